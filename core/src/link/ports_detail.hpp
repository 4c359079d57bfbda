// SPDX-License-Identifier: MIT
/// \file
/// Private, testable parts of port enumeration (docs/compatibility.md, "Serial ports"): the VID/PID
/// tables, the description/type/priority rules, sorting, selection and the sysfs walk with a given
/// root.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mpytool/base/export.hpp"
#include "mpytool/link/ports.hpp"

namespace mpytool::detail {

/// Name of a known USB vendor ("Raspberry Pi", "Silicon Labs CP210x", ...) or "".
MPYTOOL_CORE_API std::string usb_vendor_name(int vid);

/// Name of a known board ("Raspberry Pi Pico W", "Pyboard (CDC)", ...) or "".
MPYTOOL_CORE_API std::string usb_board_name(int vid, int pid);

/// 0 MicroPython-native VID, 1 USB-UART bridge, 2 other USB, 3 no USB (vid < 0).
MPYTOOL_CORE_API int port_priority(int vid);

/// "USB-UART", "USB-CDC", "USB (unknown)" or "unknown" (vid < 0).
MPYTOOL_CORE_API std::string port_type(int vid);

/// The first of: board name [+ " [serial]"], product [+ " [serial]"], manufacturer, vendor
/// name, "USB VVVV:PPPP". "n/a" for a port without USB information.
MPYTOOL_CORE_API std::string port_description(const PortInfo& info);

/// Fills description, type and priority of \p info from its vid/pid/strings.
MPYTOOL_CORE_API PortInfo classify_port(PortInfo info);

/// Drops ports without a USB VID (and macOS /dev/tty.* call-in devices), then sorts by
/// priority and device name.
MPYTOOL_CORE_API std::vector<PortInfo> filter_and_sort_ports(std::vector<PortInfo> ports);

/// The single port of \p ports (already filtered). Throws ConnError "No serial port found. Use
/// -p to specify port." or "Multiple serial ports found: a, b. Use -p to specify one."
MPYTOOL_CORE_API std::string select_port(const std::vector<PortInfo>& ports);

/// Reads the USB attributes of tty \p name below \p sys_class_tty (normally /sys/class/tty),
/// walking up from its `device` link to the directory holding idVendor/idProduct. The result is
/// classified; device is "/dev/<name>".
MPYTOOL_CORE_API PortInfo read_sysfs_port(const std::filesystem::path& sys_class_tty,
                                          const std::string& name);

/// Every tty below \p sys_class_tty that has a `device` link, classified, unfiltered.
MPYTOOL_CORE_API std::vector<PortInfo> scan_sysfs_ports(const std::filesystem::path& sys_class_tty);

}  // namespace mpytool::detail
