// SPDX-License-Identifier: MIT
// Board identity: `-p` selectors, probing a port for what runs on it, and finding a board again
// after its /dev name changed.
#include "mpytool/board_identity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "mpytool/conn_serial.hpp"
#include "mpytool/error.hpp"
#include "mpytool/mpy.hpp"
#include "mpytool/mpy_comm.hpp"

namespace mpytool {

namespace {

struct Prefix {
  std::string_view text;
  PortSelector::Kind kind;
};

constexpr Prefix kPrefixes[] = {{"id:", PortSelector::Kind::kUsbSerial},
                                {"loc:", PortSelector::Kind::kLocation},
                                {"uid:", PortSelector::Kind::kUniqueId},
                                {"@", PortSelector::Kind::kName}};

std::string port_list(const std::vector<PortInfo>& ports) {
  std::vector<std::string> names;
  for (const auto& p : ports) names.push_back(p.device);
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

std::string PortSelector::text() const {
  for (const auto& p : kPrefixes) {
    if (p.kind == kind) return std::string(p.text) + value;
  }
  return value;
}

std::string normalize_unique_id(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ':' || c == '-') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

PortSelector parse_port_selector(std::string_view spec) {
  PortSelector sel;
  sel.value = std::string(spec);
  for (const auto& p : kPrefixes) {
    if (!spec.starts_with(p.text)) continue;
    sel.kind = p.kind;
    sel.value = std::string(spec.substr(p.text.size()));
    if (sel.value.empty()) {
      throw UsageError(fmt::format("-p {}: needs a value", p.text),
                       "e.g. -p id:E6614C311B3F, -p loc:1-2.3, -p uid:30aea4123456, -p @bench-1");
    }
    if (sel.kind == PortSelector::Kind::kUniqueId) {
      sel.value = normalize_unique_id(sel.value);
      const bool hex =
          !sel.value.empty() && std::all_of(sel.value.begin(), sel.value.end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c));
          });
      if (!hex) throw UsageError(fmt::format("-p uid:{}: expected hex digits", spec.substr(4)));
    }
    break;
  }
  return sel;
}

bool port_matches(const PortInfo& port, const PortSelector& sel) {
  switch (sel.kind) {
    case PortSelector::Kind::kDevice:
      return port.device == sel.value;
    case PortSelector::Kind::kUsbSerial:
      return !port.serial_number.empty() && port.serial_number == sel.value;
    case PortSelector::Kind::kLocation:
      return !port.location.empty() && port.location == sel.value;
    default:
      return false;
  }
}

BoardProbe probe_board(const PortInfo& port, int baud) {
  BoardProbe probe;
  try {
    ConnSerial conn(port.device, baud);
    Mpy mpy(conn);
    mpy.comm().enter_raw_repl(port.type == "USB-UART" ? 2 : 1);
    const PlatformInfo& info = mpy.platform();
    probe.platform = info.platform;
    probe.version = info.version;
    probe.machine = info.machine;
    probe.unique_id = normalize_unique_id(mpy.unique_id().value_or(""));
    probe.answered = true;
    try {
      mpy.comm().exit_raw_repl();
    } catch (const std::exception&) {
    }
  } catch (const std::exception&) {
  }
  return probe;
}

std::string resolve_port(const PortSelector& sel, const std::vector<PortInfo>& ports, int baud) {
  using K = PortSelector::Kind;
  if (sel.kind == K::kDevice) return sel.value;
  if (sel.kind == K::kName) {
    throw UsageError(fmt::format("-p {}: board names come from the inventory", sel.text()));
  }
  if (sel.kind == K::kUniqueId) {
    for (const auto& port : ports) {
      if (probe_board(port, baud).unique_id == sel.value) return port.device;
    }
    throw ConnError(
        fmt::format("no board with unique id '{}' (probed: {})", sel.value, port_list(ports)),
        "a board another program holds open cannot be probed");
  }
  std::vector<PortInfo> found;
  std::copy_if(ports.begin(), ports.end(), std::back_inserter(found),
               [&](const PortInfo& p) { return port_matches(p, sel); });
  const char* what = sel.kind == K::kUsbSerial ? "USB serial" : "USB location";
  if (found.empty()) {
    throw ConnError(
        fmt::format("no board with {} '{}' (ports: {})", what, sel.value, port_list(ports)),
        "run 'mpytool ports' to see each port's serial and location");
  }
  if (found.size() > 1) {
    throw ConnError(
        fmt::format("{} ports match {} '{}': {}", found.size(), what, sel.value, port_list(found)));
  }
  return found.front().device;
}

std::string find_same_port(const PortInfo& was, const std::vector<PortInfo>& ports) {
  // Still there under its name, with its identity: stay.
  for (const auto& p : ports) {
    if (p.device == was.device && p.serial_number == was.serial_number &&
        p.location == was.location) {
      return p.device;
    }
  }
  // Moved: follow it only where one port alone fits (two CP2102 bridges may both say "0001").
  auto unique = [&](auto pred) -> std::string {
    std::string found;
    for (const auto& p : ports) {
      if (!pred(p)) continue;
      if (!found.empty()) return {};
      found = p.device;
    }
    return found;
  };
  if (!was.serial_number.empty() && !was.location.empty()) {
    if (auto d = unique([&](const PortInfo& p) {
          return p.serial_number == was.serial_number && p.location == was.location;
        });
        !d.empty()) {
      return d;
    }
  }
  if (!was.serial_number.empty()) {
    if (auto d = unique([&](const PortInfo& p) { return p.serial_number == was.serial_number; });
        !d.empty()) {
      return d;
    }
  }
  if (!was.location.empty()) {
    if (auto d = unique([&](const PortInfo& p) { return p.location == was.location; });
        !d.empty()) {
      return d;
    }
  }
  for (const auto& p : ports) {
    if (p.device == was.device) return p.device;
  }
  return {};
}

}  // namespace mpytool
