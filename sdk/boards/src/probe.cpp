// SPDX-License-Identifier: MIT
// Probing a port for what runs on it, and resolving `-p` selectors that need it.
#include "mpytool/boards/probe.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iterator>

#include "mpytool/base/error.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/link/conn_serial.hpp"
#include "mpytool/repl/mpy_comm.hpp"

namespace mpytool {
namespace {

std::string port_list(const std::vector<PortInfo>& ports) {
  std::vector<std::string> names;
  for (const auto& p : ports) names.push_back(p.device);
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

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
  if (sel.kind == K::kDevice || sel.kind == K::kUrl) return sel.value;
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

}  // namespace mpytool
