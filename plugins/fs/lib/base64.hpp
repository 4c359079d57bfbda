// SPDX-License-Identifier: MIT
// Base64 (RFC 4648, with padding) for the text transfer path. Private to libmpytool-fs (exported
// for the unit tests).
#pragma once

#include <string>
#include <string_view>

#include "mpytool/fs/export.hpp"

namespace mpytool::fs {

/// Encodes \p data.
MPYTOOL_FS_API std::string base64_encode(std::string_view data);
/// Decodes \p text, skipping whitespace. Throws MpyError on other invalid characters.
MPYTOOL_FS_API std::string base64_decode(std::string_view text);

}  // namespace mpytool::fs
