// SPDX-License-Identifier: MIT
/// \file
/// The ESP chips the ROM loader client knows: how each is recognised (the chip id of
/// GET_SECURITY_INFO and of the image header, the magic word at 0x40001000 on older ROMs), where
/// its bootloader goes in flash, and the registers the host reads through READ_REG for the MAC,
/// the revision and the SPI flash id. Register facts from espressif/esptool's targets.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "mpytool/esp_rom/export.hpp"

namespace mpytool::esp_rom {

/// The register every ROM answers READ_REG for with a per-chip value (older detection).
inline constexpr std::uint32_t kChipMagicReg = 0x40001000;
/// The ESP8266's magic word: recognised only to refuse it.
inline constexpr std::uint32_t kEsp8266Magic = 0xFFF0C101;

/// Some bits of a register: (value >> shift) & ((1 << bits) - 1); bits 0 = unused.
struct RegField {
  std::uint32_t addr = 0;
  std::uint8_t shift = 0;
  std::uint8_t bits = 0;
};

/// The SPI controller that talks to the flash (user commands: RDID).
struct SpiRegs {
  std::uint32_t base = 0;  ///< SPI_CMD_REG; SPI_ADDR_REG is base + 4
  std::uint32_t usr = 0, usr1 = 0, usr2 = 0, mosi_dlen = 0, miso_dlen = 0, w0 = 0;  ///< offsets
};

/// One chip of the ESP32 family.
struct ChipInfo {
  std::string_view name;                 ///< "ESP32", "ESP32-S3", ...
  std::uint16_t chip_id = 0;             ///< image header's chip id = GET_SECURITY_INFO's chip_id
  std::array<std::uint32_t, 4> magic{};  ///< values at kChipMagicReg (0 = none)
  std::uint32_t bootloader_offset = 0;   ///< where the second-stage bootloader goes in flash
  /// FLASH_BEGIN / FLASH_DEFL_BEGIN take a 5th word (`encrypted`); the ESP32 ROM takes 4.
  bool begin_has_encrypted_word = true;
  /// GET_SECURITY_INFO exists in this ROM (not on the ESP32).
  bool has_security_info = true;
  SpiRegs spi;
  std::uint32_t mac_lo = 0;  ///< eFuse word with the MAC's last 4 bytes
  std::uint32_t mac_hi = 0;  ///< eFuse word whose low 16 bits are the MAC's first 2 bytes
  /// Major and minor revision, high bits first (fields concatenated).
  std::array<RegField, 3> major{}, minor{};
  std::string_view features;  ///< the chip's datasheet features, ", "-separated
};

/// Every chip in the table, ESP32 first.
MPYTOOL_ESP_ROM_API std::span<const ChipInfo> all_chips();
/// The chip with \p chip_id (GET_SECURITY_INFO's chip_id, or the image header's: the same
/// numbers), or nullptr.
MPYTOOL_ESP_ROM_API const ChipInfo* chip_by_id(std::uint32_t chip_id);
/// The chip whose magic word is \p magic, or nullptr (also for the ESP8266).
MPYTOOL_ESP_ROM_API const ChipInfo* chip_by_magic(std::uint32_t magic);
/// The chip named \p name, case-insensitive, with or without the dash: "esp32s3", "ESP32-S3".
MPYTOOL_ESP_ROM_API const ChipInfo* chip_by_name(std::string_view name);

/// The flash size of a JEDEC id read with RDID (capacity byte 0x12..0x1A, 0x20, 0x21), or 0.
MPYTOOL_ESP_ROM_API std::uint32_t flash_size_from_id(std::uint32_t flash_id);

}  // namespace mpytool::esp_rom
