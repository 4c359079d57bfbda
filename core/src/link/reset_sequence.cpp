// SPDX-License-Identifier: MIT
#include "mpytool/link/reset_sequence.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace mpytool {

namespace {

bool level(std::string_view s, std::size_t col, std::string_view cmd) {
  if (s == "0") return false;
  if (s == "1") return true;
  throw ResetSequenceError(fmt::format("'{}': the level must be 0 or 1, got '{}'", cmd, s),
                           col + 1);
}

std::string_view trim(std::string_view s, std::size_t& col) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
    ++col;
  }
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

ResetSequence parse_reset_sequence(std::string_view text) {
  ResetSequence seq;
  std::size_t start = 0;
  for (;;) {
    const std::size_t bar = text.find('|', start);
    std::size_t col = start;
    const std::string_view cmd =
        trim(text.substr(start, bar == std::string_view::npos ? bar : bar - start), col);
    if (cmd.empty()) {
      throw ResetSequenceError(text.empty() ? "empty reset sequence" : "empty command", col + 1);
    }
    const std::string_view arg = cmd.substr(1);
    ResetStep step;
    switch (cmd.front()) {
      case 'D':
        step.kind = ResetStep::Kind::kDtr;
        step.dtr = level(arg, col + 1, cmd);
        break;
      case 'R':
        step.kind = ResetStep::Kind::kRts;
        step.rts = level(arg, col + 1, cmd);
        break;
      case 'U': {
        const std::size_t comma = arg.find(',');
        if (comma == std::string_view::npos) {
          throw ResetSequenceError(fmt::format("'{}': expected U<dtr>,<rts>", cmd), col + 1);
        }
        step.kind = ResetStep::Kind::kBoth;
        step.dtr = level(arg.substr(0, comma), col + 1, cmd);
        step.rts = level(arg.substr(comma + 1), col + 2 + comma, cmd);
        break;
      }
      case 'W': {
        step.kind = ResetStep::Kind::kWait;
        double v = -1;
        const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), v);
        if (arg.empty() || ec != std::errc() || end != arg.data() + arg.size() ||
            !std::isfinite(v) || v < 0 || v > 10) {
          throw ResetSequenceError(fmt::format("'{}': the wait must be seconds from 0 to 10", cmd),
                                   col + 2);
        }
        step.seconds = v;
        break;
      }
      default:
        throw ResetSequenceError(
            fmt::format("unknown command '{}' (D, R, U or W)", cmd.substr(0, 1)), col + 1);
    }
    seq.push_back(step);
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  return seq;
}

std::string format_reset_sequence(const ResetSequence& seq) {
  std::string out;
  for (const ResetStep& s : seq) {
    if (!out.empty()) out += '|';
    switch (s.kind) {
      case ResetStep::Kind::kDtr:
        out += fmt::format("D{:d}", s.dtr);
        break;
      case ResetStep::Kind::kRts:
        out += fmt::format("R{:d}", s.rts);
        break;
      case ResetStep::Kind::kBoth:
        out += fmt::format("U{:d},{:d}", s.dtr, s.rts);
        break;
      case ResetStep::Kind::kWait:
        out += fmt::format("W{}", s.seconds);
        break;
    }
  }
  return out;
}

const ResetSequence& rts_reset_sequence() {
  static const ResetSequence seq = parse_reset_sequence("D0|R1|W0.1|R0");
  return seq;
}

const ResetSequence& bootloader_reset_sequence() { return *named_reset_sequence("classic"); }

const ResetSequence* named_reset_sequence(std::string_view name) {
  static const std::pair<std::string_view, ResetSequence> kPresets[] = {
      {"classic", parse_reset_sequence("D0|R1|W0.1|D1|R0|W0.05|D0")},
      {"unix-tight", parse_reset_sequence("U0,0|U1,1|U0,1|W0.1|U1,0|W0.05|U0,0|D0")},
      {"usb-jtag-serial", parse_reset_sequence("R0|D0|W0.1|D1|R0|W0.1|R1|D0|R1|W0.1|D0|R0")}};
  for (const auto& [preset, seq] : kPresets) {
    if (preset == name) return &seq;
  }
  return nullptr;
}

}  // namespace mpytool
