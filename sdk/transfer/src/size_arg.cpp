// SPDX-License-Identifier: MIT
#include "mpytool/transfer/size_arg.hpp"

#include <fmt/format.h>

#include <cctype>
#include <climits>
#include <string>

#include "mpytool/base/error.hpp"

namespace mpytool {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

int parse_chunk_size(std::string_view text) {
  const auto invalid = [&] {
    return UsageError(fmt::format("invalid size '{}'", text),
                      "use a number of bytes such as 512, 512B, 4K or 4KB");
  };
  std::size_t i = 0;
  long long value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    value = value * 10 + (text[i] - '0');
    if (value > INT_MAX) value = INT_MAX;  // saturate: out of range anyway
    ++i;
  }
  if (i == 0) throw invalid();
  const std::string unit = lower(text.substr(i));
  long long factor = 1;
  if (unit.empty() || unit == "b") {
    factor = 1;
  } else if (unit == "k" || unit == "kb") {
    factor = 1024;
  } else if (unit == "m" || unit == "mb") {
    factor = 1024 * 1024;
  } else {
    throw invalid();
  }
  const long long bytes = value * factor;
  if (bytes < 64 || bytes > 131072) {
    throw UsageError(fmt::format("size out of range (64..131072): {}", text));
  }
  return static_cast<int>(bytes);
}

}  // namespace mpytool
