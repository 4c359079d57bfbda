// SPDX-License-Identifier: MIT
/// \file
/// Which board: `-p` names a board by its device path or by an identity that survives a
/// re-enumeration — `id:SERIAL` (USB serial number), `loc:PATH` (USB bus path, "1-2.3"),
/// `uid:HEX` (machine.unique_id(), found by probing the candidate ports) or `@NAME` (an entry of
/// the inventory). This half decides from the port list alone; probe.hpp probes a port for its
/// board and resolves `uid:`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mpytool/boards/export.hpp"
#include "mpytool/link/ports.hpp"

namespace mpytool {

/// A parsed `-p` value.
struct MPYTOOL_BOARDS_API PortSelector {
  enum class Kind {
    kDevice,     ///< "/dev/ttyACM0", "COM3": a device path as given
    kUsbSerial,  ///< "id:E6614C311B3F": the USB serial number, exact
    kLocation,   ///< "loc:1-2.3": the USB bus path of the device
    kUniqueId,   ///< "uid:30aea4123456": machine.unique_id() in hex (':' and '-' ignored)
    kName,       ///< "@bench-3": a board of the inventory
    kUrl,        ///< "rfc2217://host:4000", "socket://host:23": a link URL (mpytool::links)
  };
  Kind kind = Kind::kDevice;
  std::string value;  ///< without the prefix; a unique id normalised by normalize_unique_id()

  /// The selector as the user writes it ("id:E66..."), for messages.
  std::string text() const;
};

/// Parses a `-p` value. Anything of the form `scheme://...` is a kUrl, never a device path.
/// Throws UsageError "-p id: needs a value" for an empty identity.
MPYTOOL_BOARDS_API PortSelector parse_port_selector(std::string_view spec);

/// Lower-case hex without the separators ':' and '-' ("30:AE:A4" -> "30aea4").
MPYTOOL_BOARDS_API std::string normalize_unique_id(std::string_view text);

/// True if \p port is the one \p sel names by device path, USB serial or location. Unique ids
/// and names cannot be decided from the port alone (false).
MPYTOOL_BOARDS_API bool port_matches(const PortInfo& port, const PortSelector& sel);

}  // namespace mpytool
