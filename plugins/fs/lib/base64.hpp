// SPDX-License-Identifier: MIT
// Base64 (RFC 4648, with padding) for the text transfer path. Private to libmpytool-fs.
#pragma once

#include <string>
#include <string_view>

namespace mpytool::fs {

/// Encodes \p data.
std::string base64_encode(std::string_view data);
/// Decodes \p text, skipping whitespace. Throws MpyError on other invalid characters.
std::string base64_decode(std::string_view text);

}  // namespace mpytool::fs
