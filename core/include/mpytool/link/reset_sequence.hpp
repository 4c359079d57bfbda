// SPDX-License-Identifier: MIT
/// \file
/// DTR/RTS reset sequences in esptool's custom-reset grammar, for board profiles
/// (`reset.hard`, `reset.bootloader`) and ConnSerial: commands separated by `|`:
/// `D0`/`D1` set DTR, `R0`/`R1` set RTS, `U0,1` sets DTR and RTS at once (DTR first number),
/// `W0.1` waits seconds. "1" asserts the line (the pin driven low on an auto-reset circuit),
/// as esptool's `setDTR(True)`. Example, esptool's classic reset into the ROM download mode:
/// `D0|R1|W0.1|D1|R0|W0.05|D0`.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// One command of a sequence.
struct ResetStep {
  enum class Kind { kDtr, kRts, kBoth, kWait };
  Kind kind = Kind::kWait;
  bool dtr = false;      ///< kDtr, kBoth: the DTR level
  bool rts = false;      ///< kRts, kBoth: the RTS level
  double seconds = 0.0;  ///< kWait
  bool operator==(const ResetStep&) const = default;
};

using ResetSequence = std::vector<ResetStep>;

/// A sequence that does not parse: what() says what, column() where (1-based).
class MPYTOOL_CORE_API ResetSequenceError : public std::invalid_argument {
 public:
  ResetSequenceError(const std::string& what, std::size_t column)
      : std::invalid_argument(what), column_(column) {}
  std::size_t column() const noexcept { return column_; }

 private:
  std::size_t column_;
};

/// Parses \p text ("D0|R1|W0.1|R0"; spaces around commands allowed). Waits are 0..10 s.
/// Throws ResetSequenceError for an empty text, an unknown command, a bad level or number.
MPYTOOL_CORE_API ResetSequence parse_reset_sequence(std::string_view text);

/// The sequence in the grammar ("D0|R1|W0.1|R0").
MPYTOOL_CORE_API std::string format_reset_sequence(const ResetSequence& seq);

/// The presets: `reset.hard: rts` (EN pulse with GPIO0 released) and `reset.bootloader:
/// dtr-rts` (the ESP32 ROM download sequence).
MPYTOOL_CORE_API const ResetSequence& rts_reset_sequence();
MPYTOOL_CORE_API const ResetSequence& bootloader_reset_sequence();

/// esptool's named sequences into the ROM download mode: "classic" (the one above),
/// "unix-tight" (both lines in one ioctl: U<dtr>,<rts>) and "usb-jtag-serial" (the chip's own
/// USB-Serial-JTAG, 303a:1001); nullptr for another name.
MPYTOOL_CORE_API const ResetSequence* named_reset_sequence(std::string_view name);

}  // namespace mpytool
