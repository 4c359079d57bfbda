// SPDX-License-Identifier: MIT
#include "mpytool/base/seconds.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace mpytool {

std::optional<double> parse_seconds(std::string_view text, bool zero_allowed) {
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  if (v < 0 || (v == 0 && !zero_allowed)) return std::nullopt;
  return v;
}

}  // namespace mpytool
