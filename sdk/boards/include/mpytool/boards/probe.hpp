// SPDX-License-Identifier: MIT
/// \file
/// Probing a port for the board on it (`ports --probe`, `-p uid:`), and resolving a `-p`
/// selector to a device path (mpytool::boards).
#pragma once

#include <string>
#include <vector>

#include "mpytool/boards/export.hpp"
#include "mpytool/boards/port_selector.hpp"

namespace mpytool {

/// What a board says about itself on a short probe.
struct BoardProbe {
  bool answered = false;  ///< false: busy, silent or not MicroPython
  std::string platform;   ///< sys.platform
  std::string version;    ///< sys.version
  std::string machine;    ///< os.uname().machine
  std::string unique_id;  ///< machine.unique_id() in lower-case hex, "" when it has none
};

/// Opens \p port, enters the raw REPL, asks for platform, version, machine and unique id, and
/// leaves the board at its friendly prompt. Never throws: a board that does not answer within
/// about two seconds (or a port another program holds) gives `answered == false`.
MPYTOOL_BOARDS_API BoardProbe probe_board(const PortInfo& port, int baud);

/// The device path for \p sel among \p ports (normally list_ports()). kDevice and kUrl are
/// returned as given; kUsbSerial and kLocation must match exactly one port; kUniqueId probes the
/// ports in order (at \p baud) until one answers with that id. Throws ConnError "no board with USB
/// serial 'X' (ports: ...)" or "2 ports match ...". kName must be resolved through the inventory
/// first (UsageError).
MPYTOOL_BOARDS_API std::string resolve_port(const PortSelector& sel,
                                            const std::vector<PortInfo>& ports, int baud);

}  // namespace mpytool
