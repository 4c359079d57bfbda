// SPDX-License-Identifier: MIT
/// \file
/// Whole host files for commands that read an image or save what they read from a board
/// (firmware, flash dumps): one reader with the seed's message, one atomic writer.
#pragma once

#include <string>
#include <string_view>

#include "mpytool/export.hpp"

namespace mpytool {

/// The content of host file \p path. Throws UsageError "<what> not found: PATH" when it cannot
/// be opened (the seed's "Firmware file not found: PATH" with the default).
MPYTOOL_CORE_API std::string read_host_file(const std::string& path,
                                            std::string_view what = "Firmware file");

/// Writes \p data to host file \p path through "PATH.mpytmp" and a rename, so that PATH is
/// either the old file or the complete new one. Throws MpyError "cannot write 'PATH': reason"
/// (the temporary file removed).
MPYTOOL_CORE_API void write_host_file(const std::string& path, std::string_view data);

}  // namespace mpytool
