// SPDX-License-Identifier: MIT
#include "mpytool/output.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

namespace mpytool {

namespace {

const char* color_code(Color color) {
  switch (color) {
    case Color::kRed:
      return "1;31";
    case Color::kYellow:
      return "1;33";
    case Color::kGreen:
      return "1;32";
    case Color::kCyan:
      return "1;36";
    case Color::kBlue:
      return "1;34";
    case Color::kMagenta:
      return "1;35";
    case Color::kNone:
      break;
  }
  return nullptr;
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
  err_ << paint(text, color) << '\n';
  err_.flush();
}

void Output::progress(int level, std::string_view text, Color color) {
  if (progress_observer_) progress_observer_(text);
  if (verbosity_ < level || !err_is_tty_) return;
  // ESC[K clears what a longer previous line left behind; without colours the terminal may be
  // too dumb for it, so only the carriage return is used (as the seed does).
  err_ << (color_ ? "\r\033[K" : "\r") << paint(text, color);
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

std::string format_size(double bytes) {
  if (bytes < 1024) return fmt::format("{}B", static_cast<long long>(bytes));
  // The thresholds are checked before rounding, hence the seed's quirks that we keep on
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
