// SPDX-License-Identifier: MIT
/// \file
/// Serial port enumeration and auto-detection (Linux sysfs), as the Python mpytool does it
/// (docs/compatibility.md, "Serial ports").
#pragma once

#include <string>
#include <vector>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// One serial port and what USB says about it.
struct PortInfo {
  std::string device;       ///< "/dev/ttyACM0"
  std::string description;  ///< "Raspberry Pi Pico [E66...]", "Silicon Labs CP210x", ...
  int vid = -1;             ///< USB vendor id, -1 when not a USB device
  int pid = -1;             ///< USB product id
  std::string serial_number;
  std::string product;
  std::string manufacturer;
  std::string location;  ///< USB bus path of the device, "1-2.3" (stable per physical socket)
  std::string type;      ///< "USB-CDC", "USB-UART", "USB (unknown)" or "unknown"
  int priority = 3;      ///< 0 MicroPython-native, 1 USB-UART, 2 other USB, 3 none
};

/// "vvvv:pppp" (lower-case hex) of a USB port, "" for a port without a USB id.
MPYTOOL_CORE_API std::string usb_id(const PortInfo& port);

/// USB serial ports (ports without a USB VID are dropped), sorted by priority then name, then
/// the ports named in the ':'-separated MPYTOOL_PORTS environment variable (ports sysfs does not
/// show as USB: ptys of virtual boards, socat/ser2net bridges), in that order.
MPYTOOL_CORE_API std::vector<PortInfo> list_ports();

/// Information about one port (symlinks such as /dev/serial/by-id/... are resolved).
MPYTOOL_CORE_API PortInfo port_info(const std::string& device);

/// The single candidate port. Throws ConnError "No serial port found. Use -p to specify port."
/// or "Multiple serial ports found: a, b. Use -p to specify one."
MPYTOOL_CORE_API std::string detect_port();

/// The port that is \p was after a re-enumeration: its own path while that still has its
/// identity, else the one port with the same USB serial number and location, else the one with
/// the same serial, else the one at the same location, else the same path; "" when none is
/// there (yet). Two ports that fit equally are never guessed between.
MPYTOOL_CORE_API std::string find_same_port(const PortInfo& was,
                                            const std::vector<PortInfo>& ports);

}  // namespace mpytool
