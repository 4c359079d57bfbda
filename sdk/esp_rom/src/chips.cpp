// SPDX-License-Identifier: MIT
#include "mpytool/esp_rom/chips.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace mpytool::esp_rom {

namespace {

constexpr SpiRegs kSpiEsp32{0x3FF42000, 0x1C, 0x20, 0x24, 0x28, 0x2C, 0x80};
constexpr SpiRegs spi(std::uint32_t base) { return {base, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x58}; }

// The eFuse layout shared by S3 and C3: BLOCK1 word 5 bits 24-25 major; minor = word 5 bit 23,
// word 3 bits 18-20.
constexpr std::array<RegField, 3> major_w5(std::uint32_t block1) {
  return {RegField{block1 + 20, 24, 2}};
}
constexpr std::array<RegField, 3> minor_w5w3(std::uint32_t block1) {
  return {RegField{block1 + 20, 23, 1}, RegField{block1 + 12, 18, 3}};
}

// The ESP32's major revision is decoded from 3 bits (see revision in rom_client.cpp).
constexpr ChipInfo kChips[] = {
    {"ESP32",
     0,
     {0x00F01D83},
     0x1000,
     false,
     false,
     kSpiEsp32,
     0x3FF5A004,
     0x3FF5A008,
     {RegField{0x3FF6607C, 31, 1}, RegField{0x3FF5A014, 20, 1}, RegField{0x3FF5A00C, 15, 1}},
     {RegField{0x3FF5A014, 24, 2}},
     "Wi-Fi, BT, Dual Core, 240MHz"},
    {"ESP32-S2",
     2,
     {0x000007C6},
     0x1000,
     true,
     true,
     spi(0x3F402000),
     0x3F41A044,
     0x3F41A048,
     {RegField{0x3F41A050, 18, 2}},
     {RegField{0x3F41A050, 20, 1}, RegField{0x3F41A054, 4, 3}},
     "Wi-Fi, Single Core, 240MHz"},
    {"ESP32-S3",
     9,
     {0x00000009},
     0x0,
     true,
     true,
     spi(0x60002000),
     0x60007044,
     0x60007048,
     major_w5(0x60007044),
     minor_w5w3(0x60007044),
     "Wi-Fi, BT 5 (LE), Dual Core + LP Core, 240MHz"},
    {"ESP32-C3",
     5,
     {0x6921506F, 0x1B31506F, 0x4881606F, 0x4361606F},
     0x0,
     true,
     true,
     spi(0x60002000),
     0x60008844,
     0x60008848,
     major_w5(0x60008844),
     minor_w5w3(0x60008844),
     "Wi-Fi, BT 5 (LE), Single Core, 160MHz"},
    {"ESP32-C2",
     12,
     {0x6F51306F, 0x7C41A06F},
     0x0,
     true,
     true,
     spi(0x60002000),
     0x60008840,
     0x60008844,
     {RegField{0x60008844, 20, 2}},
     {RegField{0x60008844, 16, 4}},
     "Wi-Fi, BT 5 (LE), Single Core, 120MHz"},
    {"ESP32-C6",
     13,
     {0x2CE0806F},
     0x0,
     true,
     true,
     spi(0x60003000),
     0x600B0844,
     0x600B0848,
     {RegField{0x600B0850, 22, 2}},
     {RegField{0x600B0850, 18, 4}},
     "Wi-Fi 6, BT 5 (LE), IEEE802.15.4, Single Core + LP Core, 160MHz"},
    {"ESP32-H2",
     16,
     {0xD7B73E80},
     0x0,
     true,
     true,
     spi(0x60003000),
     0x600B0844,
     0x600B0848,
     {RegField{0x600B0850, 21, 2}},
     {RegField{0x600B0850, 18, 3}},
     "BT 5 (LE), IEEE802.15.4, Single Core, 96MHz"},
    {"ESP32-P4",
     18,
     {},
     0x2000,
     true,
     true,
     spi(0x5008D000),
     0x5012D044,
     0x5012D048,
     {RegField{0x5012D04C, 23, 1}, RegField{0x5012D04C, 4, 2}},
     {RegField{0x5012D04C, 0, 4}},
     "Dual Core + LP Core, 400MHz"},
    {"ESP32-C5",
     23,
     {},
     0x2000,
     true,
     true,
     spi(0x60003000),
     0x600B4844,
     0x600B4848,
     {RegField{0x600B484C, 4, 2}},
     {RegField{0x600B484C, 0, 4}},
     "Wi-Fi 6 (dual-band), BT 5 (LE), IEEE802.15.4, Single Core + LP Core, 240MHz"},
};

std::string squash(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '-' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::span<const ChipInfo> all_chips() { return kChips; }

const ChipInfo* chip_by_id(std::uint32_t chip_id) {
  for (const auto& c : kChips)
    if (c.chip_id == chip_id) return &c;
  return nullptr;
}

const ChipInfo* chip_by_magic(std::uint32_t magic) {
  if (magic == 0) return nullptr;
  for (const auto& c : kChips)
    if (std::find(c.magic.begin(), c.magic.end(), magic) != c.magic.end()) return &c;
  return nullptr;
}

const ChipInfo* chip_by_name(std::string_view name) {
  auto want = squash(name);
  for (const auto& c : kChips)
    if (squash(c.name) == want) return &c;
  return nullptr;
}

std::uint32_t flash_size_from_id(std::uint32_t flash_id) {
  unsigned cap = (flash_id >> 16) & 0xFF;
  if (cap >= 0x12 && cap <= 0x1A) return 1u << cap;
  if (cap == 0x20) return 64u << 20;  // some 512 Mbit parts
  if (cap == 0x21) return 128u << 20;
  return 0;
}

}  // namespace mpytool::esp_rom
