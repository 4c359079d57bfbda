// SPDX-License-Identifier: MIT
/// \file
/// The one parser of a number of seconds given on the command line (--timeout of the app,
/// exec/run, ota): each caller words its own error.
#pragma once

#include <optional>
#include <string_view>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// \p text as a finite number of seconds (a decimal or floating-point number as strtod reads
/// it, leading blanks allowed, nothing after it), greater than 0, or 0 too when \p zero_allowed.
/// nullopt when it is not one.
MPYTOOL_CORE_API std::optional<double> parse_seconds(std::string_view text,
                                                     bool zero_allowed = false);

}  // namespace mpytool
