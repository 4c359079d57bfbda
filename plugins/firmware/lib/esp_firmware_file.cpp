// SPDX-License-Identifier: MIT
// Merged or app-only: a merged file has partition rows (AA 50) at flash 0x8000 and an app image
// at its first app partition, both counted from the bootloader offset the file starts at.
#include "mpytool/firmware/esp_firmware_file.hpp"

#include <fmt/format.h>

#include <array>

namespace mpytool::firmware {
namespace {

constexpr std::uint32_t kTableOffset = 0x8000;
constexpr std::size_t kRowSize = 32;
/// Where a merged file may start: the bootloader offsets of the chips.
constexpr std::array<std::uint32_t, 3> kBases = {0x1000, 0x0, 0x2000};

std::uint32_t u32(std::string_view d, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(d[at + i]);
  return v;
}

bool is_row(std::string_view d, std::size_t at) {
  return d.size() >= at + kRowSize && static_cast<std::uint8_t>(d[at]) == 0xAA &&
         static_cast<std::uint8_t>(d[at + 1]) == 0x50;
}

EspFlashParams flash_params(std::string_view header) {
  EspFlashParams f;
  f.mode = static_cast<std::uint8_t>(header[2]);
  f.size_freq = static_cast<std::uint8_t>(header[3]);
  static constexpr const char* kModes[] = {"qio", "qout", "dio", "dout"};
  f.mode_name = f.mode < 4 ? kModes[f.mode] : fmt::format("mode {}", f.mode);
  const int size = f.size_freq >> 4;
  f.flash_size = size <= 7 ? (1u << 20) << size : 0;
  f.size_name = size <= 7 ? fmt::format("{}MB", 1 << size) : fmt::format("size {}", size);
  switch (f.size_freq & 0x0F) {
    case 0x0:
      f.freq_name = "40m";
      break;
    case 0x1:
      f.freq_name = "26m";
      break;
    case 0x2:
      f.freq_name = "20m";
      break;
    case 0xF:
      f.freq_name = "80m";
      break;
    default:
      f.freq_name = fmt::format("freq {}", f.size_freq & 0x0F);
  }
  return f;
}

}  // namespace

std::vector<EspPartitionRow> parse_partition_rows(std::string_view table, std::string_view name) {
  std::vector<EspPartitionRow> rows;
  for (std::size_t at = 0; is_row(table, at); at += kRowSize) {
    EspPartitionRow r;
    r.type = static_cast<std::uint8_t>(table[at + 2]);
    r.subtype = static_cast<std::uint8_t>(table[at + 3]);
    r.offset = u32(table, at + 4);
    r.size = u32(table, at + 8);
    const std::string_view label = table.substr(at + 12, 16);
    r.label = std::string(label.substr(0, label.find('\0')));
    if (r.offset < kTableOffset + 0x1000 && r.size != 0) {
      throw ImageError(fmt::format("{}: partition '{}' at 0x{:x} overlaps the partition table",
                                   name, r.label, r.offset));
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

EspFirmwareFile read_esp_firmware(std::string_view data, std::string_view name) {
  EspFirmwareFile f;
  f.size = data.size();
  if (data.empty() || static_cast<std::uint8_t>(data[0]) != kEspImageMagic) {
    if (is_uf2(data)) {
      throw ImageError(
          fmt::format("{}: a UF2 file, not an ESP image (RP2 boards take it in "
                      "BOOTSEL mode)",
                      name));
    }
    // parse_esp_app_image() words the refusal (first byte, size).
    parse_esp_app_image(data, name);
  }
  for (const std::uint32_t base : kBases) {
    if (!is_row(data, kTableOffset - base)) continue;
    f.kind = EspFirmwareFile::Kind::kMerged;
    f.base = base;
    f.bootloader = parse_esp_app_image(data, fmt::format("{} (bootloader)", name));
    f.partitions = parse_partition_rows(data.substr(kTableOffset - base), name);
    const EspPartitionRow* app = nullptr;
    for (const auto& row : f.partitions) {
      if (row.type == 0 && (app == nullptr || row.subtype < app->subtype)) app = &row;
    }
    if (app == nullptr) throw ImageError(fmt::format("{}: the partition table has no app", name));
    f.app_flash_offset = app->offset;
    f.app_file_offset = app->offset - base;
    if (f.app_file_offset >= data.size()) {
      throw ImageError(fmt::format("{}: truncated before the app (partition '{}' at 0x{:x})", name,
                                   app->label, app->offset));
    }
    break;
  }
  f.app = parse_esp_app_image(data.substr(f.app_file_offset),
                              f.bootloader ? fmt::format("{} (app)", name) : std::string(name));
  if (f.kind == EspFirmwareFile::Kind::kApp && !f.app.desc) {
    // A bootloader alone also starts with E9; an app carries its esp_app_desc_t.
    throw ImageError(
        fmt::format("{}: an ESP image without an app description (a bootloader "
                    "alone?): neither a merged image nor an app",
                    name));
  }
  if (f.bootloader && f.bootloader->chip_id != f.app.chip_id) {
    throw ImageError(fmt::format("{}: the bootloader is for {} but the app for {}", name,
                                 esp_chip_name(f.bootloader->chip_id),
                                 esp_chip_name(f.app.chip_id)));
  }
  f.chip_id = f.app.chip_id;
  f.flash = flash_params(data.substr(0, 4));
  return f;
}

std::string decimal_size(std::size_t bytes) {
  if (bytes >= 1000 * 1000) return fmt::format("{:.2f} MB", static_cast<double>(bytes) / 1e6);
  if (bytes >= 1000) return fmt::format("{:.1f} kB", static_cast<double>(bytes) / 1e3);
  return fmt::format("{} B", bytes);
}

}  // namespace mpytool::firmware
