// SPDX-License-Identifier: MIT
// Entering the ROM loader with reset sequences, and what it tells about the chip.
#include <fmt/format.h>

#include <bit>
#include <chrono>
#include <regex>
#include <thread>

#include "mpytool/esp_rom/rom_client.hpp"

namespace mpytool::esp_rom {

namespace {

std::uint32_t field_value(RomClient& rom, const std::array<RegField, 3>& fields) {
  std::uint32_t v = 0;
  for (const auto& f : fields) {
    if (f.bits == 0) continue;
    v = v << f.bits | ((rom.read_reg(f.addr) >> f.shift) & ((1u << f.bits) - 1));
  }
  return v;
}

std::string revision(RomClient& rom, const ChipInfo& chip) {
  auto major = field_value(rom, chip.major);
  if (chip.chip_id == 0) {  // ESP32: 3 bits in eFuses and APB_CTL_DATE, v3 sets all of them
    major = major == 1 ? 1 : major == 3 ? 2 : major == 7 ? 3 : 0;
  }
  return fmt::format("v{}.{}", major, field_value(rom, chip.minor));
}

std::string mac(RomClient& rom, const ChipInfo& chip) {
  auto lo = rom.read_reg(chip.mac_lo), hi = rom.read_reg(chip.mac_hi);
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", (hi >> 8) & 0xFF, hi & 0xFF,
                     lo >> 24, (lo >> 16) & 0xFF, (lo >> 8) & 0xFF, lo & 0xFF);
}

std::vector<std::string> split_features(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    auto comma = list.find(", ");
    out.emplace_back(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 2);
  }
  return out;
}

// The ESP32 has no GET_SECURITY_INFO: its FLASH_CRYPT_CNT is eFuse word 0 bits 20-26.
constexpr std::uint32_t kEsp32Efuse0 = 0x3FF5A000;

}  // namespace

const ChipInfo& detect_chip(RomClient& rom, std::optional<SecurityInfo>* info) {
  auto si = rom.security_info();
  if (info) *info = si;
  const ChipInfo* chip = nullptr;
  if (si && si->chip_id) {
    chip = chip_by_id(*si->chip_id);
    if (!chip) throw MpyError(fmt::format("unknown ESP chip (chip id {})", *si->chip_id));
  } else {
    auto magic = rom.read_reg(kChipMagicReg);
    if (magic == kEsp8266Magic) throw MpyError("the ESP8266 is not supported");
    chip = chip_by_magic(magic);
    if (!chip) throw MpyError(fmt::format("unknown ESP chip (magic 0x{:08X})", magic));
  }
  rom.set_chip(chip);
  return *chip;
}

ChipDescription describe_chip(RomClient& rom, const std::optional<SecurityInfo>& info) {
  ChipDescription d;
  d.chip = rom.chip();
  if (!d.chip) throw MpyError("describing the chip needs it detected first");
  d.features = split_features(d.chip->features);
  if (info) {
    d.secure_download = info->secure_download();
    d.flash_encryption = info->flash_encryption();
  }
  if (d.secure_download) return d;  // READ_REG is refused in Secure Download Mode
  if (d.chip->chip_id == 0)
    d.flash_encryption = std::popcount((rom.read_reg(kEsp32Efuse0) >> 20) & 0x7F) % 2;
  d.revision = revision(rom, *d.chip);
  d.mac = mac(rom, *d.chip);
  return d;
}

ChipDescription connect(RomClient& rom, const std::vector<ResetSequence>& sequences,
                        const ConnectOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.status) options.status(line);
  };
  auto try_sync = [&] {
    for (int i = 0; i < options.syncs_per_attempt; ++i) {
      if (i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (rom.sync(options.sync_timeout)) return true;
    }
    return false;
  };
  static const std::regex boot_re("boot:(0x[0-9a-fA-F]+)");
  std::string boot_note;  // what the last banner said about the boot mode
  bool synced = sequences.empty() && (rom.discard_input(), try_sync());
  std::vector<std::string> tried;
  for (const auto& seq : sequences) {
    auto text = format_reset_sequence(seq);
    for (int a = 1; a <= options.attempts_per_sequence && !synced; ++a) {
      say(fmt::format("reset with {} (attempt {}/{})", text, a, options.attempts_per_sequence));
      rom.discard_input();
      rom.conn().run_reset_sequence(seq);
      auto banner = rom.read_banner();
      std::smatch m;
      bool download = banner.find("waiting for download") != std::string::npos;
      synced = try_sync();
      if (!synced && std::regex_search(banner, m, boot_re))
        boot_note =
            download ? fmt::format("the ROM is in download mode ({}) but does not answer", m.str(0))
                     : fmt::format("the ROM reported {} (not download mode)", m.str(0));
    }
    tried.push_back(fmt::format("{} ({}x)", text, options.attempts_per_sequence));
    if (synced) break;
  }
  if (!synced) {
    std::string what = sequences.empty() ? "without a reset" : "after the reset sequences ";
    for (std::size_t i = 0; i < tried.size(); ++i) what += (i ? ", " : "") + tried[i];
    throw ConnError(
        fmt::format("cannot enter the ESP ROM bootloader on {}: no sync reply {}{}",
                    rom.conn().description(), what, boot_note.empty() ? "" : "; " + boot_note),
        "hold BOOT while pressing EN (RESET), then run the command again");
  }
  std::optional<SecurityInfo> info;
  const auto& chip = detect_chip(rom, &info);
  say(fmt::format("detected {}", chip.name));
  auto d = describe_chip(rom, info);
  rom.spi_attach();
  if (!d.secure_download) {
    d.flash_id = rom.flash_id();
    d.flash_size = flash_size_from_id(d.flash_id);
    if (d.flash_size) rom.spi_set_params(d.flash_size);
  }
  return d;
}

}  // namespace mpytool::esp_rom
