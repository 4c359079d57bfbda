// SPDX-License-Identifier: MIT
#include "mpytool/base/output.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace mpytool {

namespace {

const char* color_code(Color color) {
  // In the order of Color; kNone has none.
  static constexpr const char* kCodes[] = {nullptr, "1;31", "1;33", "1;32", "1;36", "1;34", "1;35"};
  return kCodes[static_cast<int>(color)];
}

// Length of the valid UTF-8 sequence at s[i] and its code point; 0 when the byte does not
// start one (overlong forms, surrogates and values above U+10FFFF are not valid).
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  char32_t min = 0;
  if (b >= 0xC2 && b <= 0xDF) {
    len = 2;
    cp = b & 0x1F;
    min = 0x80;
  } else if (b >= 0xE0 && b <= 0xEF) {
    len = 3;
    cp = b & 0x0F;
    min = 0x800;
  } else if (b >= 0xF0 && b <= 0xF4) {
    len = 4;
    cp = b & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// Code points above ASCII that a terminal may act on, or that reorder or break lines.
bool unsafe_code_point(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

Output::Output(std::ostream& out, std::ostream& err, int verbosity, bool color, bool err_is_tty)
    : out_(out), err_(err), verbosity_(verbosity), color_(color), err_is_tty_(err_is_tty) {}

void Output::data(std::string_view bytes) {
  out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out_.flush();
}

void Output::verbose(int level, std::string_view text, Color color) {
  if (verbosity_ < level) return;
  // Keep the last progress line visible: the message goes below it, not over it.
  end_progress();
  err_ << paint(printable(text, LineBreaks::kKeep), color) << '\n';
  err_.flush();
}

void Output::progress(int level, std::string_view text, Color color) {
  if (progress_observer_) progress_observer_(text);
  if (verbosity_ < level || !err_is_tty_) return;
  // ESC[K clears what a longer previous line left behind; without colours the terminal may be
  // too dumb for it, so only the carriage return is used (as the Python mpytool does).
  err_ << (color_ ? "\r\033[K" : "\r") << paint(printable(text), color);
  err_.flush();
  pending_line_ = true;
}

void Output::end_progress() {
  if (!pending_line_) return;
  err_ << '\n';
  err_.flush();
  pending_line_ = false;
}

std::string Output::paint(std::string_view text, Color color) const {
  const char* code = color_code(color);
  if (!color_ || code == nullptr) return std::string(text);
  return fmt::format("\033[{}m{}\033[0m", code, text);
}

bool Output::want_color(bool is_tty) {
  if (!is_tty || std::getenv("NO_COLOR") != nullptr) return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

std::string printable(std::string_view text, LineBreaks breaks) {
  std::string out;
  out.reserve(text.size());
  const bool keep = breaks == LineBreaks::kKeep;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0x20 && b < 0x7F) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    if (b < 0x80) {
      const bool crlf = b == '\r' && i + 1 < text.size() && text[i + 1] == '\n';
      if (keep && (b == '\n' || b == '\t' || crlf)) {
        out += static_cast<char>(b);
      } else if (b == '\n') {
        out += "\\n";
      } else if (b == '\r') {
        out += "\\r";
      } else if (b == '\t') {
        out += "\\t";
      } else {
        out += fmt::format("\\x{:02x}", b);
      }
      ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t len = utf8_sequence(text, i, cp);
    if (len == 0) {
      out += fmt::format("\\x{:02x}", b);
      ++i;
    } else if (unsafe_code_point(cp)) {
      out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(cp));
      i += len;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string format_size(double bytes) {
  if (bytes < 1024) return fmt::format("{}B", static_cast<long long>(bytes));
  // The thresholds are checked before rounding, hence the Python mpytool's quirks that we keep on
  // purpose: 10239 -> "10.00K" and 1048575 -> "1024K".
  double value = bytes;
  for (char unit : {'K', 'M', 'G', 'T'}) {
    value /= 1024;
    if (value < 10) return fmt::format("{:.2f}{}", value, unit);
    if (value < 100) return fmt::format("{:.1f}{}", value, unit);
    if (value < 1024 || unit == 'T') return fmt::format("{:.0f}{}", value, unit);
  }
  return {};  // not reached: 'T' always returns
}

}  // namespace mpytool
