// SPDX-License-Identifier: MIT
/// \file
/// Which board: `-p` names a board by its device path or by an identity that survives a
/// re-enumeration — `id:SERIAL` (USB serial number), `loc:PATH` (USB bus path, "1-2.3"),
/// `uid:HEX` (machine.unique_id(), found by probing the candidate ports) or `@NAME` (an entry of
/// the inventory). This half decides from the port list alone; probing a port for its board
/// and resolving `uid:` are the boards SDK library's (mpytool/boards/probe.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mpytool/base/export.hpp"
#include "mpytool/link/ports.hpp"

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

/// The port that is \p was after a re-enumeration: its own path while that still has its
/// identity, else the one port with the same USB serial number and location, else the one with
/// the same serial, else the one at the same location, else the same path; "" when none is
/// there (yet). Two ports that fit equally are never guessed between.
MPYTOOL_CORE_API std::string find_same_port(const PortInfo& was,
                                            const std::vector<PortInfo>& ports);

}  // namespace mpytool
