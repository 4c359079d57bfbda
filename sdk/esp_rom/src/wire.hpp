// SPDX-License-Identifier: MIT
// Little-endian fields of the ROM loader's packets (private to the library).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mpytool::esp_rom {

inline void put16(std::string& s, std::uint16_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>(v >> 8);
}
inline void put32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}
inline std::uint8_t get8(std::string_view s, std::size_t at) {
  return static_cast<std::uint8_t>(s[at]);
}
inline std::uint16_t get16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>(get8(s, at) | get8(s, at + 1) << 8);
}
inline std::uint32_t get32(std::string_view s, std::size_t at) {
  return get16(s, at) | static_cast<std::uint32_t>(get16(s, at + 2)) << 16;
}
/// The words \p w as the loader's little-endian payload.
inline std::string words(std::initializer_list<std::uint32_t> w) {
  std::string s;
  for (auto v : w) put32(s, v);
  return s;
}

}  // namespace mpytool::esp_rom
