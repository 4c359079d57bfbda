// SPDX-License-Identifier: MIT
// `-p` selectors: parsing them and matching them against a port.
#include "mpytool/boards/port_selector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "mpytool/base/error.hpp"

namespace mpytool {

namespace {

struct Prefix {
  std::string_view text;
  PortSelector::Kind kind;
};

constexpr Prefix kPrefixes[] = {{"id:", PortSelector::Kind::kUsbSerial},
                                {"loc:", PortSelector::Kind::kLocation},
                                {"uid:", PortSelector::Kind::kUniqueId},
                                {"@", PortSelector::Kind::kName}};
}  // namespace

std::string PortSelector::text() const {
  for (const auto& p : kPrefixes) {
    if (p.kind == kind) return std::string(p.text) + value;
  }
  return value;
}

std::string normalize_unique_id(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ':' || c == '-') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

PortSelector parse_port_selector(std::string_view spec) {
  PortSelector sel;
  sel.value = std::string(spec);
  for (const auto& p : kPrefixes) {
    if (!spec.starts_with(p.text)) continue;
    sel.kind = p.kind;
    sel.value = std::string(spec.substr(p.text.size()));
    if (sel.value.empty()) {
      throw UsageError(fmt::format("-p {}: needs a value", p.text),
                       "e.g. -p id:E6614C311B3F, -p loc:1-2.3, -p uid:30aea4123456, -p @bench-1");
    }
    if (sel.kind == PortSelector::Kind::kUniqueId) {
      sel.value = normalize_unique_id(sel.value);
      const bool hex =
          !sel.value.empty() && std::all_of(sel.value.begin(), sel.value.end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c));
          });
      if (!hex) throw UsageError(fmt::format("-p uid:{}: expected hex digits", spec.substr(4)));
    }
    return sel;
  }
  // "rfc2217://h:p", "socket://h:p": a link opened by URL, not a path to look for.
  if (const auto sep = spec.find("://"); sep != std::string_view::npos && sep > 0 &&
                                         std::isalpha(static_cast<unsigned char>(spec[0])) &&
                                         std::all_of(spec.begin(), spec.begin() + sep, [](char c) {
                                           return std::isalnum(static_cast<unsigned char>(c)) ||
                                                  c == '+' || c == '-' || c == '.';
                                         })) {
    sel.kind = PortSelector::Kind::kUrl;
  }
  return sel;
}

bool port_matches(const PortInfo& port, const PortSelector& sel) {
  switch (sel.kind) {
    case PortSelector::Kind::kDevice:
      return port.device == sel.value;
    case PortSelector::Kind::kUsbSerial:
      return !port.serial_number.empty() && port.serial_number == sel.value;
    case PortSelector::Kind::kLocation:
      return !port.location.empty() && port.location == sel.value;
    default:
      return false;
  }
}

}  // namespace mpytool
