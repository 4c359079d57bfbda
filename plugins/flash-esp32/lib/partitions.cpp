// SPDX-License-Identifier: MIT
#include "mpytool/flash_esp32/partitions.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>

#include "mpytool/error.hpp"
#include "mpytool/json.hpp"
#include "mpytool/mpy.hpp"
#include "mpytool/output.hpp"
#include "mpytool/py_value.hpp"

namespace mpytool::flash_esp32 {

namespace detail {
std::string_view helper_source(std::string_view name);
}

namespace {

constexpr std::size_t kBlock = 4096;

std::string unbase64(std::string_view text) {
  std::string out(3 * (text.size() / 4) + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  std::size_t pad = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++pad;
  out.resize(out.size() - std::min(pad, out.size()));
  return out;
}

void need_helper(Mpy& mpy) {
  mpy.register_helper("ptab", std::string(detail::helper_source("ptab")));
}

BlockDevice device_of(const Partition& p) {
  return {fmt::format("[p for p in __import__('esp32').Partition.find({}) if p.info()[4]=={}][0]",
                      p.type, repr_str(p.label)),
          kBlock, p.size};
}

const Partition& require(const PartitionTable& t, const std::string& label) {
  const Partition* p = t.find(label);
  if (!p) throw MpyError(fmt::format("Partition '{}' not found", label));
  return *p;
}

// The guards: what a write or erase must not touch without --force.
void guard(const PartitionTable& t, const Partition& p, bool force, const char* action) {
  if (force) return;
  if (p.label == t.running) {
    throw MpyError(fmt::format("refusing to {} '{}': it is the running app", action, p.label),
                   "use --force if you really mean it");
  }
  if (p.type == 1 && (p.subtype == 0 || p.subtype == 1)) {
    throw MpyError(fmt::format("refusing to {} '{}': it holds the {}", action, p.label,
                               p.subtype == 0 ? "OTA boot selection" : "radio calibration"),
                   "use --force if you really mean it");
  }
}

}  // namespace

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
  need_helper(mpy);
  try {
    mpy.import_module("esp32");
  } catch (const CmdError&) {
    throw MpyError("Partition info not available (ESP32 only)");
  }
  mpy.load_helper("ptab");
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
    if (row[1].is_bytes()) p.fs = detect_filesystem(unbase64(row[1].as_bytes()));
    t.partitions.push_back(std::move(p));
  }
  std::sort(t.partitions.begin(), t.partitions.end(),
            [](const Partition& a, const Partition& b) { return a.offset < b.offset; });
  return t;
}

std::string format_table(const PartitionTable& t) {
  std::string out = fmt::format("{:<12} {:<8} {:<10} {:>10} {:>10} {:>8} {:<12} Flags\n", "Label",
                                "Type", "Subtype", "Address", "Size", "Block", "Actual FS");
  out += std::string(90, '-') + "\n";
  for (const auto& p : t.partitions) {
    std::string fs, block;
    if (p.fs) {
      fs = p.fs->type;
      if (p.fs->cluster) fs += " (" + format_size(static_cast<double>(p.fs->cluster)) + ")";
      block = format_size(kBlock);
    }
    std::vector<std::string> flags;
    if (p.encrypted) flags.push_back("enc");
    if (p.running) flags.push_back("running");
    out += fmt::format("{:<12} {:<8} {:<10} {:>#10x} {:>10} {:>8} {:<12} {}", p.label,
                       type_name(p.type), subtype_name(p.type, p.subtype), p.offset,
                       format_size(p.size), block, fs, fmt::join(flags, ", "));
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
  }
  if (!t.boot.empty()) out += "\nBoot partition: " + t.boot + "\n";
  if (!t.next.empty()) out += "Next OTA:       " + t.next + "\n";
  return out;
}

std::string table_json(const PartitionTable& t) {
  std::vector<std::string> rows;
  for (const auto& p : t.partitions) {
    rows.push_back(
        fmt::format(R"({{"label":{},"type":{},"subtype":{},"offset":{},"size":{},"encrypted":{},)"
                    R"("running":{},"fs":{}}})",
                    json_quote(p.label), json_quote(type_name(p.type)),
                    json_quote(subtype_name(p.type, p.subtype)), p.offset, p.size, p.encrypted,
                    p.running, p.fs ? json_quote(p.fs->type) : "null"));
  }
  auto opt = [](const std::string& s) { return s.empty() ? std::string("null") : json_quote(s); };
  return fmt::format(R"({{"partitions":[{}],"running":{},"boot":{},"next_ota":{}}})",
                     fmt::join(rows, ","), opt(t.running), opt(t.boot), opt(t.next));
}

std::string flash_read(Mpy& mpy, const std::string& label, const FlashProgress& progress) {
  const PartitionTable t = partitions(mpy);
  const Partition& p = require(t, label);
  FlashTransfer x(mpy, device_of(p));
  return x.read(p.size, progress);
}

FlashWriteResult flash_write(Mpy& mpy, std::string_view data, const std::string& label,
                             const FlashProgress& progress, std::optional<bool> compress,
                             bool force) {
  const PartitionTable t = partitions(mpy);
  const Partition& p = require(t, label);
  guard(t, p, force, "write");
  if (data.size() > p.size) {
    throw MpyError(fmt::format("Data too large: {} > {} bytes", data.size(), p.size));
  }
  FlashTransfer x(mpy, device_of(p));
  return x.write(data, progress, compress);
}

std::size_t flash_erase(Mpy& mpy, const std::string& label, bool full,
                        const FlashProgress& progress, bool force) {
  const PartitionTable t = partitions(mpy);
  const Partition& p = require(t, label);
  guard(t, p, force, "erase");
  const std::size_t blocks = full ? p.size / kBlock : std::min<std::size_t>(2, p.size / kBlock);
  FlashTransfer x(mpy, device_of(p));
  x.erase(blocks, progress);
  return blocks * kBlock;
}

OtaResult ota_write(Mpy& mpy, std::string_view data, const FlashProgress& progress,
                    std::optional<bool> compress, std::string_view name) {
  OtaResult r;
  r.image = parse_esp_app_image(data, name);
  const auto& machine = mpy.platform().machine;
  if (auto chip = esp_chip_from_machine(machine); chip && *chip != r.image.chip_id) {
    throw ImageError(fmt::format("{}: built for {}, the board is an {}", name,
                                 esp_chip_name(r.image.chip_id), esp_chip_name(*chip)));
  }
  const PartitionTable t = partitions(mpy);
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

}  // namespace mpytool::flash_esp32
