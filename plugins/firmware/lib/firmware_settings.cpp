// SPDX-License-Identifier: MIT
#include "mpytool/firmware/firmware_settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "mpytool/base/error.hpp"
#include "mpytool/esp_rom/chips.hpp"

namespace mpytool::firmware {
namespace {

constexpr std::string_view kKeys[] = {
    "chip", "bootloader_offset", "partition_table_offset", "app_offset", "baud", "block_size"};

}  // namespace

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
      throw UsageError(fmt::format("profile '{}': {}: {}", p->id, key, why));
    };
    if (std::find(std::begin(kKeys), std::end(kKeys), name) == std::end(kKeys)) {
      fail("unknown key");
    }
    if (name == "chip") {
      s.chip = value;
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
