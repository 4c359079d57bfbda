// SPDX-License-Identifier: MIT
/// \file
/// JSON text for the `--json` outputs of every plugin.
#pragma once

#include <string>
#include <string_view>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// A JSON string literal of UTF-8 \p text: quotes, backslashes and control characters escaped.
MPYTOOL_CORE_API std::string json_quote(std::string_view text);

}  // namespace mpytool
