// SPDX-License-Identifier: MIT
/// \file
/// The board profile's say in putting firmware on a board: the `firmware:` section (chip,
/// offsets, baud, block size; for RP2 the flash size, the 1200-baud touch and the BOOTSEL USB
/// id) and `reset.bootloader` / `reset.hard`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/firmware/export.hpp"
#include "mpytool/link/reset_sequence.hpp"
#include "mpytool/profile/board_profile.hpp"

namespace mpytool::firmware {

/// What a profile sets; unset values fall back to the chip's facts and the defaults.
struct FirmwareSettings {
  std::string chip;                                     ///< `firmware.chip`: "ESP32-S3"
  std::optional<std::uint32_t> bootloader_offset;       ///< `firmware.bootloader_offset`
  std::optional<std::uint32_t> partition_table_offset;  ///< `firmware.partition_table_offset`
  std::optional<std::uint32_t> app_offset;              ///< `firmware.app_offset`
  std::optional<int> baud;                              ///< `firmware.baud` (after sync)
  std::optional<std::uint32_t> block_size;              ///< `firmware.block_size` (0x400, 0x800)
  std::vector<ResetSequence> bootloader_sequences;      ///< `reset.bootloader`, tried in turn
  bool machine_bootloader = false;                      ///< `reset.bootloader: machine`
  std::optional<ResetSequence> hard_reset;              ///< `reset.hard` as a sequence
  /// `firmware.flash_size`: the board's flash in bytes (RP2: where a UF2 may write).
  std::optional<std::uint32_t> flash_size;
  /// `firmware.touch_1200`: the firmware enters its bootloader on a 1200-baud touch (RP2).
  bool touch_1200 = false;
  /// `firmware.boot_usb`: the "vvvv:pppp" USB id of the board in its bootloader (RP2 BOOTSEL:
  /// "2e8a:0003" RP2040, "2e8a:000f" RP2350), lower-case hex; "" unknown.
  std::string boot_usb;
};

/// The settings of \p profile (nullptr: none). Throws UsageError "profile 'FILE': firmware.KEY:
/// ..." (the profile's id when it has no file) for an unknown key or a bad value.
MPYTOOL_FIRMWARE_API FirmwareSettings firmware_settings(const BoardProfile* profile);

/// The keys of the `firmware:` section firmware_settings() reads ("chip", "baud", ...; without
/// the "firmware." prefix): any other key there is an error.
MPYTOOL_FIRMWARE_API const std::vector<std::string>& firmware_setting_keys();

/// The first of \p profiles whose `firmware.chip` names the chip \p chip names ("ESP32-S3",
/// "esp32s3": esp_rom::chip_by_name()), or nullptr (also for a chip esp_rom does not know): the
/// per-chip layout for a board that was identified by its ROM.
MPYTOOL_FIRMWARE_API const BoardProfile* profile_for_chip(const std::vector<BoardProfile>& profiles,
                                                          std::string_view chip);

}  // namespace mpytool::firmware
