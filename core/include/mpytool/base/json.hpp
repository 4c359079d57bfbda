// SPDX-License-Identifier: MIT
/// \file
/// JSON text: the writer of the `--json` outputs of every plugin, and the reader of the flat
/// objects the tool writes itself (the MPYTOOL_EVENTS lines `fleet` reads back).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// A JSON string literal of UTF-8 \p text: quotes, backslashes and control characters escaped.
MPYTOOL_CORE_API std::string json_quote(std::string_view text);

/// The fields of one flat JSON object (as the tool writes them, e.g. an event line): strings
/// unescaped, numbers and true/false/null as their text. Nested values are skipped. Empty on
/// malformed input.
MPYTOOL_CORE_API std::map<std::string, std::string> parse_flat_json(std::string_view text);

/// Appends the UTF-8 encoding of code point \p cp to \p out (for the readers of \\u escapes:
/// JSON's, Python's).
MPYTOOL_CORE_API void append_utf8(std::string& out, std::uint32_t cp);

}  // namespace mpytool
