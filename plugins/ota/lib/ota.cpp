// SPDX-License-Identifier: MIT
#include "mpytool/ota/ota.hpp"

#include <fmt/format.h>

#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::ota {

namespace {

std::string running_label(Mpy& mpy) {
  return mpy.comm()
      .exec_eval(
          "repr(__import__('esp32').Partition(__import__('esp32').Partition.RUNNING)"
          ".info()[4])",
          10.0)
      .as_str();
}

}  // namespace

Status status(Mpy& mpy) {
  const esp32::PartitionTable t = esp32::partitions(mpy);
  Status s;
  s.running = t.running;
  s.boot = t.boot;
  s.next = t.next;
  std::vector<esp32::OtaDataEntry> entries;
  std::size_t app_slots = 0;
  for (const auto& p : t.partitions) {
    if (p.type == 0 && p.subtype >= 16 && p.subtype < 32) ++app_slots;
  }
  if (const esp32::Partition* od = t.find("otadata")) {
    FlashTransfer x(mpy, esp32::device_of(*od));
    entries = esp32::parse_otadata(x.read(std::min<std::size_t>(od->size, 8192)));
  }
  for (const auto& p : t.partitions) {
    if (p.type != 0) continue;
    SlotStatus slot;
    slot.label = p.label;
    slot.running = p.label == t.running;
    slot.state = "undefined";
    if (p.subtype >= 16 && p.subtype < 32 && app_slots > 0) {
      const std::size_t index = static_cast<std::size_t>(p.subtype - 16);
      for (const auto& e : entries) {  // highest sequence first
        if ((e.seq - 1) % app_slots == index) {
          slot.state = esp32::ota_state_name(e.state);
          break;
        }
      }
    }
    FlashTransfer x(mpy, esp32::device_of(p));
    slot.desc = read_app_desc(x.read(288));
    if (slot.running && slot.state == "pending_verify") s.pending_verify = true;
    s.slots.push_back(std::move(slot));
  }
  return s;
}

std::string format_status(const Status& s) {
  std::string out =
      fmt::format("Running:        {}\nBoot partition: {}\nNext OTA:       {}\n", s.running,
                  s.boot.empty() ? "-" : s.boot, s.next.empty() ? "-" : s.next);
  for (const auto& slot : s.slots) {
    std::string app = "(no app image)";
    if (slot.desc) {
      app = slot.desc->project_name + " " + slot.desc->version;
      if (!slot.desc->idf_version.empty()) app += " (IDF " + slot.desc->idf_version + ")";
    }
    out += fmt::format("{:<8} {:<15} {}{}\n", slot.label, slot.state, app,
                       slot.running ? "  [running]" : "");
  }
  if (s.pending_verify) {
    out += "The running app is not confirmed: the next reset rolls back (ota confirm).\n";
  }
  return out;
}

std::string status_json(const Status& s) {
  std::vector<std::string> slots;
  for (const auto& slot : s.slots) {
    std::string desc = "null";
    if (slot.desc) {
      desc = fmt::format(R"({{"project":{},"version":{},"idf":{},"date":{},"time":{}}})",
                         json_quote(slot.desc->project_name), json_quote(slot.desc->version),
                         json_quote(slot.desc->idf_version), json_quote(slot.desc->date),
                         json_quote(slot.desc->time));
    }
    slots.push_back(fmt::format(R"({{"label":{},"state":{},"running":{},"app":{}}})",
                                json_quote(slot.label), json_quote(slot.state), slot.running,
                                desc));
  }
  return fmt::format(R"({{"running":{},"boot":{},"next_ota":{},"pending_verify":{},"slots":[{}]}})",
                     json_quote(s.running), json_quote(s.boot), json_quote(s.next),
                     s.pending_verify, fmt::join(slots, ","));
}

void confirm(Mpy& mpy) {
  try {
    mpy.comm().exec("__import__('esp32').Partition.mark_app_valid_cancel_rollback()", 10.0);
  } catch (const CmdError&) {
    throw MpyError("OTA not available (ESP32 only)");
  }
}

UpdateResult update(Mpy& mpy, std::string_view image, const UpdateOptions& options,
                    const FlashProgress& progress, std::string_view name) {
  UpdateResult r;
  r.write =
      esp32::ota_write(mpy, image, progress, options.compress, name, options.layout, options.force);
  if (!options.reset) return r;
  const std::string before = running_label(mpy);
  mpy.machine_reset(true, options.reconnect_timeout);
  r.reset = true;
  // Health check: the raw REPL answers and the new slot runs.
  mpy.comm().enter_raw_repl();
  const std::string now = running_label(mpy);
  if (now != r.write.target) {
    throw RollbackError(
        fmt::format("the board came back on '{}', not on the new app in '{}': the update was "
                    "rolled back",
                    now, r.write.target),
        before == now ? "the bootloader did not accept the new app" : "");
  }
  if (options.confirm) {
    confirm(mpy);
    r.confirmed = true;
  }
  return r;
}

std::string rollback(Mpy& mpy, bool reset, double reconnect_timeout) {
  const esp32::PartitionTable t = esp32::partitions(mpy);
  std::string other;
  for (const auto& p : t.partitions) {
    if (p.type == 0 && p.label != t.running) {
      other = p.label;
      break;
    }
  }
  if (other.empty()) throw MpyError("no other app to roll back to");
  const esp32::Partition& p = *t.find(other);
  try {
    mpy.comm().exec("[p for p in __import__('esp32').Partition.find(0) if p.info()[4]==" +
                        repr_str(p.label) + "][0].set_boot()",
                    30.0);
  } catch (const CmdError&) {
    throw DeviceError(
        fmt::format("cannot roll back: '{}' holds no app the bootloader accepts", other));
  }
  if (reset) {
    mpy.machine_reset(true, reconnect_timeout);
    mpy.comm().enter_raw_repl();
    const std::string now = running_label(mpy);
    if (now != other) throw RollbackError(fmt::format("the board still runs '{}'", now));
  }
  return other;
}

}  // namespace mpytool::ota
