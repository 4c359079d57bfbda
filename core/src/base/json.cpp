// SPDX-License-Identifier: MIT
#include "mpytool/base/json.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

namespace mpytool {

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += fmt::format("\\u{:04x}", u);
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::map<std::string, std::string> parse_flat_json(std::string_view s) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  auto ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  };
  auto str = [&](std::string& v) -> bool {
    if (i >= s.size() || s[i] != '"') return false;
    for (++i; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] != '\\') {
        v += s[i];
        continue;
      }
      if (++i >= s.size()) return false;
      switch (s[i]) {
        case 'n':
          v += '\n';
          break;
        case 't':
          v += '\t';
          break;
        case 'r':
          v += '\r';
          break;
        case 'b':
          v += '\b';
          break;
        case 'f':
          v += '\f';
          break;
        case 'u': {
          if (i + 4 >= s.size()) return false;
          for (std::size_t k = 1; k <= 4; ++k) {
            if (!std::isxdigit(static_cast<unsigned char>(s[i + k]))) return false;
          }
          const auto cp = static_cast<std::uint32_t>(
              std::strtoul(std::string(s.substr(i + 1, 4)).c_str(), nullptr, 16));
          i += 4;
          // The BMP only (json_quote escapes only control characters).
          append_utf8(v, cp);
          break;
        }
        default:
          v += s[i];
      }
    }
    if (i >= s.size()) return false;
    ++i;
    return true;
  };
  ws();
  if (i >= s.size() || s[i] != '{') return {};
  ++i;
  while (true) {
    ws();
    if (i < s.size() && s[i] == '}') return out;
    std::string key, value;
    if (!str(key)) return {};
    ws();
    if (i >= s.size() || s[i] != ':') return {};
    ++i;
    ws();
    if (i < s.size() && s[i] == '"') {
      if (!str(value)) return {};
    } else if (i < s.size() && (s[i] == '{' || s[i] == '[')) {
      int depth = 0;  // skip a nested value (strings inside are not expected)
      for (; i < s.size(); ++i) {
        if (s[i] == '{' || s[i] == '[') ++depth;
        if ((s[i] == '}' || s[i] == ']') && --depth == 0) {
          ++i;
          break;
        }
      }
      value = "";
    } else {
      while (i < s.size() && s[i] != ',' && s[i] != '}') value += s[i++];
      while (!value.empty() && value.back() == ' ') value.pop_back();
    }
    out[key] = value;
    ws();
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == '}') return out;
    return {};
  }
}

}  // namespace mpytool
