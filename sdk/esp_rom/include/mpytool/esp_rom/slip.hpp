// SPDX-License-Identifier: MIT
/// \file
/// SLIP framing of the ESP ROM loader: each packet travels as `C0 ... C0` with `C0` sent as
/// `DB DC` and `DB` as `DB DD` inside. Bytes between frames are the ROM's text (its boot banner
/// before the sync), kept for the caller.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mpytool/esp_rom/export.hpp"

namespace mpytool::esp_rom {

/// \p packet framed and escaped for the wire.
MPYTOOL_ESP_ROM_API std::string slip_encode(std::string_view packet);

/// Splits the byte stream from the ROM into packets, whatever the chunks it arrives in.
class MPYTOOL_ESP_ROM_API SlipDecoder {
 public:
  /// Adds bytes read from the link.
  void feed(std::string_view bytes);
  /// The next complete packet, unescaped; nullopt until one is complete. Empty frames (two
  /// `C0` in a row) are skipped.
  std::optional<std::string> next_packet();
  /// Returns and clears the bytes seen outside frames so far (the ROM's banner text).
  std::string take_text();
  /// Forgets everything fed and not yet taken (after a reset or a baud change).
  void clear();

 private:
  std::string pending_;  ///< bytes fed, not yet split
  std::string text_;
};

}  // namespace mpytool::esp_rom
