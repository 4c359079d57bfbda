// SPDX-License-Identifier: MIT
/// \file
/// Private helper of the Conn layer: Python-style bytes repr for traffic logs and Timeout texts.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mpytool/base/export.hpp"

namespace mpytool::detail {

/// Python `repr(bytes)` of \p data: `b'ab\r\n\x00'`, or double quotes when the data holds `'`
/// but no `"`. At most \p limit bytes are shown; `...` follows the quote when cut.
MPYTOOL_CORE_API std::string bytes_repr(std::string_view data,
                                        std::size_t limit = std::string_view::npos);

}  // namespace mpytool::detail
