// SPDX-License-Identifier: MIT
/// \file
/// Which board: `-p` names a board by its device path or by an identity that survives a
/// re-enumeration — `id:SERIAL` (USB serial number), `loc:PATH` (USB bus path, "1-2.3"),
/// `uid:HEX` (machine.unique_id(), found by probing the candidate ports) or `@NAME` (an entry of
/// the inventory, inventory.hpp). `ports --probe` uses probe_board() for its columns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mpytool/export.hpp"
#include "mpytool/ports.hpp"

namespace mpytool {

/// A parsed `-p` value.
struct MPYTOOL_CORE_API PortSelector {
  enum class Kind {
    kDevice,     ///< "/dev/ttyACM0", "COM3": a device path as given
    kUsbSerial,  ///< "id:E6614C311B3F": the USB serial number, exact
    kLocation,   ///< "loc:1-2.3": the USB bus path of the device
    kUniqueId,   ///< "uid:30aea4123456": machine.unique_id() in hex (':' and '-' ignored)
    kName,       ///< "@bench-3": a board of the inventory
  };
  Kind kind = Kind::kDevice;
  std::string value;  ///< without the prefix; a unique id normalised by normalize_unique_id()

  /// The selector as the user writes it ("id:E66..."), for messages.
  std::string text() const;
};

/// Parses a `-p` value. Throws UsageError "-p id: needs a value" for an empty identity.
MPYTOOL_CORE_API PortSelector parse_port_selector(std::string_view spec);

/// Lower-case hex without the separators ':' and '-' ("30:AE:A4" -> "30aea4").
MPYTOOL_CORE_API std::string normalize_unique_id(std::string_view text);

/// True if \p port is the one \p sel names by device path, USB serial or location. Unique ids
/// and names cannot be decided from the port alone (false).
MPYTOOL_CORE_API bool port_matches(const PortInfo& port, const PortSelector& sel);

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
MPYTOOL_CORE_API BoardProbe probe_board(const PortInfo& port, int baud);

/// The device path for \p sel among \p ports (normally list_ports()). kDevice is returned as
/// given; kUsbSerial and kLocation must match exactly one port; kUniqueId probes the ports in
/// order (at \p baud) until one answers with that id. Throws ConnError "no board with USB serial
/// 'X' (ports: ...)" or "2 ports match ...". kName must be resolved through the inventory first
/// (UsageError).
MPYTOOL_CORE_API std::string resolve_port(const PortSelector& sel,
                                          const std::vector<PortInfo>& ports, int baud);

/// The port that is \p was after a re-enumeration: its own path while that still has its
/// identity, else the one port with the same USB serial number and location, else the one with
/// the same serial, else the one at the same location, else the same path; "" when none is
/// there (yet). Two ports that fit equally are never guessed between.
MPYTOOL_CORE_API std::string find_same_port(const PortInfo& was,
                                            const std::vector<PortInfo>& ports);

}  // namespace mpytool
