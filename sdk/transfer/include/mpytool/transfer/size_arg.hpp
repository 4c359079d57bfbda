// SPDX-License-Identifier: MIT
/// \file
/// The one parser of chunk-size arguments (the global -c/--chunk-size, cp's -c).
#pragma once

#include <string_view>

#include "mpytool/transfer/export.hpp"

namespace mpytool {

/// Parses "512", "512B", "4K", "4KB", "1M" (case-insensitive units) into bytes, 64..131072.
/// Throws UsageError "invalid size 'X'" or "size out of range (64..131072): X".
MPYTOOL_TRANSFER_API int parse_chunk_size(std::string_view text);

}  // namespace mpytool
