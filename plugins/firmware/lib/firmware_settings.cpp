// SPDX-License-Identifier: MIT
#include "mpytool/firmware/firmware_settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "mpytool/base/error.hpp"
#include "mpytool/esp_rom/chips.hpp"

namespace mpytool::firmware {

const std::vector<std::string>& firmware_setting_keys() {
  static const std::vector<std::string> keys = {"chip",
                                                "bootloader_offset",
                                                "partition_table_offset",
                                                "app_offset",
                                                "baud",
                                                "block_size",
                                                "flash_size",
                                                "touch_1200",
                                                "boot_usb"};
  return keys;
}

FirmwareSettings firmware_settings(const BoardProfile* p) {
  FirmwareSettings s;
  if (p == nullptr) return s;
  s.bootloader_sequences = p->bootloader_sequences;
  s.machine_bootloader = p->bootloader_reset == BootloaderReset::kMachine;
  s.hard_reset = p->hard_reset_sequence;
  for (const auto& [key, value] : p->settings) {
    if (!key.starts_with("firmware.")) continue;
    const std::string name = key.substr(9);
    auto fail = [&](const std::string& why) {
      throw UsageError(fmt::format("profile '{}': {}: {}",
                                   p->path.empty() ? p->id : p->path.string(), key, why));
    };
    const auto& keys = firmware_setting_keys();
    if (std::find(keys.begin(), keys.end(), name) == keys.end()) fail("unknown key");
    if (name == "chip") {
      // An ESP chip esp_rom knows (its layout) or an RP2 chip (its UF2 family).
      if (value != "RP2040" && value != "RP2350" && esp_rom::chip_by_name(value) == nullptr) {
        fail(fmt::format("unknown chip '{}' (RP2040, RP2350 or an ESP chip: ESP32, ESP32-S3, ...)",
                         value));
      }
      s.chip = value;
      continue;
    }
    if (name == "touch_1200") {
      if (value != "yes" && value != "no" && value != "true" && value != "false") {
        fail(fmt::format("expected yes or no, got '{}'", value));
      }
      s.touch_1200 = value == "yes" || value == "true";
      continue;
    }
    if (name == "boot_usb") {
      std::string id = value;
      std::transform(id.begin(), id.end(), id.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      bool ok = id.size() == 9 && id[4] == ':';
      for (std::size_t i = 0; ok && i < id.size(); ++i) {
        ok = i == 4 || std::isxdigit(static_cast<unsigned char>(id[i]));
      }
      if (!ok) fail(fmt::format("expected \"vvvv:pppp\" (hex), got '{}'", value));
      s.boot_usb = id;
      continue;
    }
    // Numbers in decimal or 0x hex, as YAML writes them.
    const bool hex = value.starts_with("0x") || value.starts_with("0X");
    const char* first = value.data() + (hex ? 2 : 0);
    std::uint32_t n = 0;
    const auto [end, ec] = std::from_chars(first, value.data() + value.size(), n, hex ? 16 : 10);
    if (ec != std::errc() || end != value.data() + value.size() || first == end) {
      fail(fmt::format("expected a number, got '{}'", value));
    }
    if (name == "baud") {
      if (n < 9600 || n > 4000000) fail(fmt::format("{} is out of range 9600..4000000", n));
      s.baud = static_cast<int>(n);
    } else if (name == "block_size") {
      if (n != 0x400 && n != 0x800 && n != 0x4000) fail("expected 0x400, 0x800 or 0x4000");
      s.block_size = n;
    } else if (name == "flash_size") {
      if (n == 0 || n % 0x1000 != 0) fail(fmt::format("0x{:x} is not a multiple of 4 KB", n));
      s.flash_size = n;
    } else {
      if (n % 0x1000 != 0) fail(fmt::format("0x{:x} is not a multiple of 4 KB", n));
      (name == "bootloader_offset"        ? s.bootloader_offset
       : name == "partition_table_offset" ? s.partition_table_offset
                                          : s.app_offset) = n;
    }
  }
  return s;
}

const BoardProfile* profile_for_chip(const std::vector<BoardProfile>& profiles,
                                     std::string_view chip) {
  const esp_rom::ChipInfo* wanted = esp_rom::chip_by_name(chip);
  for (const auto& p : profiles) {
    const auto it = p.settings.find("firmware.chip");
    if (it != p.settings.end() && wanted != nullptr &&
        esp_rom::chip_by_name(it->second) == wanted) {
      return &p;
    }
  }
  return nullptr;
}

}  // namespace mpytool::firmware
