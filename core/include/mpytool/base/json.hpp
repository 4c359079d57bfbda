// SPDX-License-Identifier: MIT
/// \file
/// JSON text: the writer of the `--json` outputs of every plugin. The reader is parse_json() in
/// repl/py_value.hpp (one reader for Python literals and JSON).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// A JSON string literal of UTF-8 \p text: quotes, backslashes and control characters escaped.
MPYTOOL_CORE_API std::string json_quote(std::string_view text);

/// Appends the UTF-8 encoding of code point \p cp to \p out (for the readers of \\u escapes:
/// JSON's, Python's).
MPYTOOL_CORE_API void append_utf8(std::string& out, std::uint32_t cp);

}  // namespace mpytool
