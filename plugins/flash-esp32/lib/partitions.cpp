// SPDX-License-Identifier: MIT
#include "mpytool/flash_esp32/partitions.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::flash_esp32 {

using esp32::device_of;
using esp32::subtype_name;
using esp32::type_name;

namespace {

constexpr std::size_t kBlock = 4096;

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
    // Labels come from the board's partition table: control characters are shown escaped.
    out += fmt::format("{:<12} {:<8} {:<10} {:>#10x} {:>10} {:>8} {:<12} {}", printable(p.label),
                       type_name(p.type), subtype_name(p.type, p.subtype), p.offset,
                       format_size(p.size), block, fs, fmt::join(flags, ", "));
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
  }
  if (!t.boot.empty()) out += "\nBoot partition: " + printable(t.boot) + "\n";
  if (!t.next.empty()) out += "Next OTA:       " + printable(t.next) + "\n";
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
                             bool force, const std::vector<ProfilePartition>& layout) {
  const PartitionTable t = partitions(mpy);
  esp32::check_layout(t, layout, force);
  const Partition& p = require(t, label);
  guard(t, p, force, "write");
  if (data.size() > p.size) {
    throw MpyError(fmt::format("Data too large: {} > {} bytes", data.size(), p.size));
  }
  FlashTransfer x(mpy, device_of(p));
  return x.write(data, progress, compress);
}

std::size_t flash_erase(Mpy& mpy, const std::string& label, bool full,
                        const FlashProgress& progress, bool force,
                        const std::vector<ProfilePartition>& layout) {
  const PartitionTable t = partitions(mpy);
  esp32::check_layout(t, layout, force);
  const Partition& p = require(t, label);
  guard(t, p, force, "erase");
  const std::size_t blocks = full ? p.size / kBlock : std::min<std::size_t>(2, p.size / kBlock);
  FlashTransfer x(mpy, device_of(p));
  x.erase(blocks, progress);
  return blocks * kBlock;
}

}  // namespace mpytool::flash_esp32
