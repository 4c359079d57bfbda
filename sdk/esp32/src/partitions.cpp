// SPDX-License-Identifier: MIT
#include "mpytool/esp32/partitions.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>

#include "mpytool/base/error.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::esp32 {

namespace {

constexpr std::size_t kBlock = 4096;

const Partition& require(const PartitionTable& t, const std::string& label) {
  const Partition* p = t.find(label);
  if (!p) throw MpyError(fmt::format("Partition '{}' not found", label));
  return *p;
}

}  // namespace

std::vector<OtaDataEntry> parse_otadata(std::string_view data) {
  std::vector<OtaDataEntry> out;
  auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) {
      v = (v << 8) | static_cast<unsigned char>(data[at + static_cast<std::size_t>(i)]);
    }
    return v;
  };
  for (std::size_t at : {std::size_t{0}, kBlock}) {
    if (data.size() < at + 32) break;
    const std::uint32_t seq = u32(at);
    if (seq == 0xFFFFFFFF) continue;
    // esp_rom_crc32_le(UINT32_MAX, &ota_seq, 4) is zlib's crc32 started at 0xFFFFFFFF.
    const std::uint32_t crc = static_cast<std::uint32_t>(
        ::crc32(0xFFFFFFFFul, reinterpret_cast<const Bytef*>(data.data() + at), 4));
    if (crc != u32(at + 28)) continue;
    out.push_back({seq, u32(at + 24)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq > b.seq; });
  return out;
}

std::string ota_state_name(std::uint32_t state) {
  switch (state) {
    case 0:
      return "new";
    case 1:
      return "pending_verify";
    case 2:
      return "valid";
    case 3:
      return "invalid";
    case 4:
      return "aborted";
    case 0xFFFFFFFF:
      return "undefined";
    default:
      return std::to_string(state);
  }
}

std::vector<std::string> layout_differences(const PartitionTable& table,
                                            const std::vector<ProfilePartition>& expected) {
  std::vector<std::string> out;
  for (const auto& e : expected) {
    const Partition* p = table.find(e.label);
    if (!p) {
      out.push_back(fmt::format("{}: missing on the board", e.label));
      continue;
    }
    if (p->type != e.type || p->subtype != e.subtype) {
      out.push_back(fmt::format("{}: {} {}, the profile says {} {}", e.label, type_name(p->type),
                                subtype_name(p->type, p->subtype), type_name(e.type),
                                subtype_name(e.type, e.subtype)));
    }
    if (p->offset != e.offset) {
      out.push_back(
          fmt::format("{}: offset {:#x}, the profile says {:#x}", e.label, p->offset, e.offset));
    }
    if (p->size != e.size) {
      out.push_back(
          fmt::format("{}: size {:#x}, the profile says {:#x}", e.label, p->size, e.size));
    }
  }
  for (const auto& p : table.partitions) {
    if (std::none_of(expected.begin(), expected.end(),
                     [&](const ProfilePartition& e) { return e.label == p.label; })) {
      out.push_back(fmt::format("{}: not in the profile's layout", p.label));
    }
  }
  return out;
}

void check_layout(const PartitionTable& table, const std::vector<ProfilePartition>& expected,
                  bool force) {
  if (expected.empty() || force) return;
  const auto diff = layout_differences(table, expected);
  if (diff.empty()) return;
  throw MpyError(fmt::format("the board's partition table differs from the profile's layout: {}",
                             diff.front()),
                 diff.size() > 1 ? fmt::format("{} more differences; use --force if this board "
                                               "is right",
                                               diff.size() - 1)
                                 : "use --force if this board is right");
}

BlockDevice device_of(const Partition& p) {
  return {fmt::format("[p for p in __import__('esp32').Partition.find({}) if p.info()[4]=={}][0]",
                      p.type, repr_str(p.label)),
          kBlock, p.size};
}

const Partition* PartitionTable::find(std::string_view label) const {
  for (const auto& p : partitions) {
    if (p.label == label) return &p;
  }
  return nullptr;
}

std::string type_name(int type) {
  return type == 0 ? "app" : type == 1 ? "data" : std::to_string(type);
}

std::string subtype_name(int type, int subtype) {
  if (type == 0) {
    if (subtype == 0) return "factory";
    if (subtype >= 16 && subtype <= 31) return fmt::format("ota_{}", subtype - 16);
    if (subtype == 32) return "test";
  } else if (type == 1) {
    switch (subtype) {
      case 0:
        return "ota";
      case 1:
        return "phy";
      case 2:
        return "nvs";
      case 3:
        return "coredump";
      case 4:
        return "nvs_keys";
      case 5:
        return "efuse";
      case 128:
        return "esphttpd";
      case 129:
        return "fat";
      case 130:
        return "spiffs";
      case 131:
        return "littlefs";
      default:
        break;
    }
  }
  return std::to_string(subtype);
}

PartitionTable partitions(Mpy& mpy) {
  try {
    mpy.import_module("esp32");
  } catch (const CmdError&) {
    throw MpyError("Partition info not available (ESP32 only)");
  }
  mpy.load_helper("esp32_ptab");
  const PyValue v = mpy.comm().exec_eval("_mt_ptab()", 15.0);
  PartitionTable t;
  auto label = [](const PyValue& x) { return x.is_str() ? x.as_str() : std::string(); };
  t.running = label(v[1]);
  t.boot = label(v[2]);
  t.next = label(v[3]);
  for (const PyValue& row : v[0].items()) {
    const PyValue& i = row[0];
    Partition p;
    p.type = static_cast<int>(i[0].as_int());
    p.subtype = static_cast<int>(i[1].as_int());
    p.offset = static_cast<std::uint32_t>(i[2].as_int());
    p.size = static_cast<std::uint32_t>(i[3].as_int());
    p.label = i[4].as_str();
    p.encrypted = i[5].type() == PyValue::Type::kBool && i[5].as_bool();
    p.running = p.label == t.running;
    if (row[1].is_bytes()) p.fs = detect_filesystem(decode_base64(row[1].as_bytes()));
    t.partitions.push_back(std::move(p));
  }
  std::sort(t.partitions.begin(), t.partitions.end(),
            [](const Partition& a, const Partition& b) { return a.offset < b.offset; });
  return t;
}

OtaResult ota_write(Mpy& mpy, std::string_view data, const FlashProgress& progress,
                    std::optional<bool> compress, std::string_view name,
                    const std::vector<ProfilePartition>& layout, bool force) {
  OtaResult r;
  r.image = parse_esp_app_image(data, name);
  const auto& machine = mpy.platform().machine;
  if (auto chip = esp_chip_from_machine(machine); chip && *chip != r.image.chip_id) {
    throw ImageError(fmt::format("{}: built for {}, the board is an {}", name,
                                 esp_chip_name(r.image.chip_id), esp_chip_name(*chip)));
  }
  const PartitionTable t = partitions(mpy);
  check_layout(t, layout, force);
  if (t.next.empty()) throw MpyError("OTA not available (no OTA partitions)");
  const Partition& p = require(t, t.next);
  if (r.image.size > p.size) {
    throw ImageError(
        fmt::format("{}: {} bytes do not fit {} ({} bytes)", name, r.image.size, p.label, p.size));
  }
  r.target = p.label;
  r.offset = p.offset;
  r.size = p.size;
  FlashTransfer x(mpy, device_of(p));
  r.write = x.write(data.substr(0, r.image.size), progress, compress);  // verified on the board
  try {
    mpy.comm().exec("_mt_fd.set_boot()", 30.0);
  } catch (const CmdError& e) {
    std::string why = e.error();
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    why = why.substr(why.find_last_of('\n') == std::string::npos ? 0 : why.find_last_of('\n') + 1);
    throw DeviceError(fmt::format("the board refused the image in '{}': {}", p.label, why));
  }
  return r;
}

}  // namespace mpytool::esp32
