// SPDX-License-Identifier: MIT
#include "mpytool/firmware/describe.hpp"

#include <fmt/format.h>

#include "mpytool/base/json.hpp"

namespace mpytool::firmware {
namespace {

std::string image_line(const EspAppImage& img) {
  return fmt::format("{} segment{}, entry 0x{:08x}, {}, checksum ok{}", img.segments.size(),
                     img.segments.size() == 1 ? "" : "s", img.entry, decimal_size(img.size),
                     img.hash_appended ? ", SHA-256 ok" : "");
}

std::string desc_json(const EspAppDesc& d) {
  return fmt::format(R"({{"project":{},"version":{},"idf_version":{},"date":{},"time":{}}})",
                     json_quote(d.project_name), json_quote(d.version), json_quote(d.idf_version),
                     json_quote(d.date), json_quote(d.time));
}

}  // namespace

std::string describe(const EspFirmwareFile& f, const std::string& name) {
  const bool merged = f.kind == EspFirmwareFile::Kind::kMerged;
  std::string out = fmt::format(
      "{}: {} for {}, {} ({} bytes)\n", name,
      merged ? fmt::format("merged image (bootloader, partition table, app) from 0x{:x}", *f.base)
             : "app image",
      esp_chip_name(f.chip_id), decimal_size(f.size), f.size);
  out += fmt::format("  flash: {} {} {} (header bytes {:02x} {:02x})\n", f.flash.mode_name,
                     f.flash.size_name, f.flash.freq_name, f.flash.mode, f.flash.size_freq);
  if (f.bootloader) {
    out += fmt::format("  bootloader @0x{:x}: {}\n", *f.base, image_line(*f.bootloader));
    out += "  partition table @0x8000:\n";
    for (const auto& p : f.partitions) {
      out += fmt::format("    {:<12} {} {:>3}  0x{:06x}  0x{:06x}\n", p.label,
                         p.type == 0 ? "app " : "data", p.subtype, p.offset, p.size);
    }
  }
  out += fmt::format("  app @{}: {}\n",
                     merged ? fmt::format("0x{:x}", f.app_flash_offset) : "(app partition)",
                     image_line(f.app));
  if (const auto& d = f.app.desc) {
    out += fmt::format("  {} {}, ESP-IDF {}, built {} {}\n", d->project_name, d->version,
                       d->idf_version, d->date, d->time);
  }
  return out;
}

std::string describe_json(const EspFirmwareFile& f, const std::string& name) {
  const bool merged = f.kind == EspFirmwareFile::Kind::kMerged;
  std::string parts;
  for (const auto& p : f.partitions) {
    if (!parts.empty()) parts += ",";
    parts += fmt::format(R"({{"label":{},"type":{},"subtype":{},"offset":{},"size":{}}})",
                         json_quote(p.label), p.type, p.subtype, p.offset, p.size);
  }
  return fmt::format(
      R"({{"file":{},"kind":"{}","chip":{},"chip_id":{},"size":{},"base":{},)"
      R"("flash":{{"mode":"{}","size":"{}","freq":"{}"}},"app_offset":{},"app_size":{},)"
      R"("segments":{},"sha256":{},"partitions":[{}],"app":{}}})",
      json_quote(name), merged ? "merged" : "app", json_quote(esp_chip_name(f.chip_id)), f.chip_id,
      f.size, f.base ? std::to_string(*f.base) : "null", f.flash.mode_name, f.flash.size_name,
      f.flash.freq_name, merged ? std::to_string(f.app_flash_offset) : "null", f.app.size,
      f.app.segments.size(), f.app.hash_appended ? "true" : "false", parts,
      f.app.desc ? desc_json(*f.app.desc) : "null");
}

}  // namespace mpytool::firmware
