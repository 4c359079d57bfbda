// SPDX-License-Identifier: MIT
// Base64 (RFC 4648, with padding) for the text transfer path. Private to libmpytool-files (exported
// for the unit tests).
#pragma once

#include <string>
#include <string_view>

#include "mpytool/files/export.hpp"

namespace mpytool::files {

/// Encodes \p data.
MPYTOOL_FILES_API std::string base64_encode(std::string_view data);
/// Decodes \p text, skipping whitespace. Throws MpyError on other invalid characters.
MPYTOOL_FILES_API std::string base64_decode(std::string_view text);

}  // namespace mpytool::files
