// SPDX-License-Identifier: MIT
/// \file
/// SHA-256 for every library that checks data against the board's hash (transfers, flash
/// blocks, firmware images, speedtest).
#pragma once

#include <string>
#include <string_view>

#include "mpytool/export.hpp"

namespace mpytool {

/// The raw 32-byte SHA-256 digest of \p data (OpenSSL).
MPYTOOL_CORE_API std::string sha256(std::string_view data);

}  // namespace mpytool
