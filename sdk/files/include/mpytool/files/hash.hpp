// SPDX-License-Identifier: MIT
/// \file
/// SHA-256 on the host, to compare local files with board files (`Files::fileinfo()`,
/// `Files::hashfile()` return raw digests).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "mpytool/files/export.hpp"

namespace mpytool::files {

/// Raw 32-byte SHA-256 digest of \p data.
MPYTOOL_FILES_API std::string sha256(std::string_view data);

/// Raw 32-byte SHA-256 digest of a local file's content. Throws MpyError
/// "cannot read 'P': <reason>".
MPYTOOL_FILES_API std::string sha256_file(const std::filesystem::path& path);

/// Lower-case hex of \p bytes ("\x01\xab" -> "01ab").
MPYTOOL_FILES_API std::string to_hex(std::string_view bytes);

}  // namespace mpytool::files
