// SPDX-License-Identifier: MIT
#include "mpytool/firmware/describe_uf2.hpp"

#include <fmt/format.h>

#include "mpytool/base/json.hpp"
#include "mpytool/firmware/esp_firmware_file.hpp"

namespace mpytool::firmware {

std::string describe_uf2(const uf2::Uf2Info& info, const std::string& name, std::size_t file_size) {
  std::string out = fmt::format("{}: UF2, {} blocks, {} of payload ({} bytes in the file)\n", name,
                                info.blocks, decimal_size(info.payload_bytes), file_size);
  for (const auto& f : info.families) {
    out += fmt::format("  family {} (0x{:08x}): {} block{}", f.name, f.id, f.blocks,
                       f.blocks == 1 ? "" : "s");
    out += f.ignored == f.blocks
               ? std::string(", picotool's RP2350-E10 workaround (the bootrom skips it)\n")
               : fmt::format(", 0x{:08x}..0x{:08x}, {}\n", f.first, f.end, decimal_size(f.payload));
  }
  out += fmt::format("  addresses 0x{:08x}..0x{:08x}\n", info.addr_min, info.addr_end);
  out += info.micropython_banner.empty() ? std::string("  no MicroPython version string found\n")
                                         : fmt::format("  {}\n", info.micropython_banner);
  return out;
}

std::string describe_uf2_json(const uf2::Uf2Info& info, const std::string& name,
                              std::size_t file_size) {
  std::string families;
  for (const auto& f : info.families) {
    families += fmt::format(
        R"({}{{"name":{},"id":{},"blocks":{},"ignored":{},"first":{},"end":{},"payload":{}}})",
        families.empty() ? "" : ",", json_quote(f.name), f.id, f.blocks, f.ignored, f.first, f.end,
        f.payload);
  }
  return fmt::format(
      R"({{"file":{},"kind":"uf2","size":{},"blocks":{},"payload":{},"families":[{}],)"
      R"("addr_min":{},"addr_end":{},"version":{},"banner":{}}})"
      "\n",
      json_quote(name), file_size, info.blocks, info.payload_bytes, families, info.addr_min,
      info.addr_end,
      info.micropython_version.empty() ? "null" : json_quote(info.micropython_version),
      info.micropython_banner.empty() ? "null" : json_quote(info.micropython_banner));
}

}  // namespace mpytool::firmware
