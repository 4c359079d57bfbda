// SPDX-License-Identifier: MIT
// Serial port enumeration from Linux sysfs and auto-detection (docs/compatibility.md, "Serial
// ports").

#include "mpytool/link/ports.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <system_error>
#include <tuple>

#include "link/ports_detail.hpp"
#include "mpytool/base/error.hpp"

namespace mpytool {

namespace detail {

namespace fs = std::filesystem;

namespace {

constexpr int kVidRaspberryPi = 0x2E8A;
constexpr int kVidEspressif = 0x303A;
constexpr int kVidMicroPython = 0xF055;

struct BoardName {
  int vid;
  int pid;
  const char* name;
};

constexpr BoardName kBoards[] = {
    {kVidRaspberryPi, 0x0003, "Raspberry Pi Pico"},
    {kVidRaspberryPi, 0x0005, "Raspberry Pi Pico W"},
    {kVidRaspberryPi, 0x000A, "Raspberry Pi Pico 2"},
    {kVidRaspberryPi, 0x000B, "Raspberry Pi Pico 2 W"},
    {kVidRaspberryPi, 0x000F, "Raspberry Pi RP2350"},
    {kVidEspressif, 0x0002, "Espressif ESP32-S2"},
    {kVidEspressif, 0x1001, "Espressif ESP32-C3/C6"},
    {kVidEspressif, 0x1002, "Espressif ESP32-S3"},
    {kVidMicroPython, 0x9800, "Pyboard"},
    {kVidMicroPython, 0x9801, "Pyboard (CDC)"},
    {kVidMicroPython, 0x9802, "Pyboard (CDC+MSC)"},
};

struct VendorName {
  int vid;
  const char* name;
  int priority;  // 0 runs MicroPython natively (USB-CDC), 1 is a USB-UART bridge
};

constexpr VendorName kVendors[] = {
    {kVidRaspberryPi, "Raspberry Pi", 0}, {kVidEspressif, "Espressif", 0},
    {kVidMicroPython, "MicroPython", 0},  {0x10C4, "Silicon Labs CP210x", 1},
    {0x1A86, "QinHeng CH340", 1},         {0x0403, "FTDI", 1},
    {0x067B, "Prolific PL2303", 1},
};

const VendorName* find_vendor(int vid) {
  for (const auto& vendor : kVendors) {
    if (vendor.vid == vid) return &vendor;
  }
  return nullptr;
}

std::string with_serial(std::string name, const std::string& serial) {
  if (!serial.empty()) name += " [" + serial + "]";
  return name;
}

/// First line of a sysfs attribute file, without trailing whitespace; "" when absent.
std::string read_attribute(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line;
}

int parse_hex_id(const std::string& text) {
  try {
    std::size_t used = 0;
    const int value = std::stoi(text, &used, 16);
    return used == text.size() ? value : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

/// The USB device directory (the one with idVendor) at or above \p start, or "".
fs::path find_usb_device_dir(const fs::path& start) {
  std::error_code ec;
  fs::path dir = start;
  // tty → usb-serial port (ttyUSB) → interface → device: a few levels at most.
  for (int level = 0; level < 6 && !dir.empty(); ++level) {
    if (fs::exists(dir / "idVendor", ec) && fs::exists(dir / "idProduct", ec)) return dir;
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return {};
}

}  // namespace

std::string usb_vendor_name(int vid) {
  const VendorName* vendor = find_vendor(vid);
  return vendor ? vendor->name : "";
}

std::string usb_board_name(int vid, int pid) {
  for (const auto& board : kBoards) {
    if (board.vid == vid && board.pid == pid) return board.name;
  }
  return "";
}

int port_priority(int vid) {
  if (vid < 0) return 3;
  const VendorName* vendor = find_vendor(vid);
  return vendor ? vendor->priority : 2;
}

std::string port_type(int vid) {
  switch (port_priority(vid)) {
    case 0:
      return "USB-CDC";
    case 1:
      return "USB-UART";
    case 2:
      return "USB (unknown)";
    default:
      return "unknown";
  }
}

std::string port_description(const PortInfo& info) {
  if (info.vid < 0) return "n/a";
  if (auto name = usb_board_name(info.vid, info.pid); !name.empty()) {
    return with_serial(name, info.serial_number);
  }
  if (!info.product.empty()) return with_serial(info.product, info.serial_number);
  if (!info.manufacturer.empty()) return info.manufacturer;
  if (auto name = usb_vendor_name(info.vid); !name.empty()) return name;
  return fmt::format("USB {:04X}:{:04X}", info.vid, info.pid);
}

PortInfo classify_port(PortInfo info) {
  info.description = port_description(info);
  info.type = port_type(info.vid);
  info.priority = port_priority(info.vid);
  return info;
}

std::vector<PortInfo> filter_and_sort_ports(std::vector<PortInfo> ports) {
  // Bluetooth, built-in UARTs and debug consoles have no VID; macOS lists every USB port twice
  // (tty.* waits for DCD, cu.* does not).
  std::erase_if(ports, [](const PortInfo& port) {
    return port.vid < 0 || port.device.starts_with("/dev/tty.");
  });
  std::sort(ports.begin(), ports.end(), [](const PortInfo& a, const PortInfo& b) {
    return std::tie(a.priority, a.device) < std::tie(b.priority, b.device);
  });
  return ports;
}

std::string select_port(const std::vector<PortInfo>& ports) {
  if (ports.empty()) throw ConnError("No serial port found. Use -p to specify port.");
  if (ports.size() > 1) {
    std::string names;
    for (const auto& port : ports) names += (names.empty() ? "" : ", ") + port.device;
    throw ConnError("Multiple serial ports found: " + names + ". Use -p to specify one.");
  }
  return ports.front().device;
}

PortInfo read_sysfs_port(const fs::path& sys_class_tty, const std::string& name) {
  PortInfo info;
  info.device = "/dev/" + name;
  std::error_code ec;
  const fs::path device_dir = fs::canonical(sys_class_tty / name / "device", ec);
  if (!ec) {
    if (const fs::path usb = find_usb_device_dir(device_dir); !usb.empty()) {
      info.vid = parse_hex_id(read_attribute(usb / "idVendor"));
      info.pid = parse_hex_id(read_attribute(usb / "idProduct"));
      info.serial_number = read_attribute(usb / "serial");
      info.product = read_attribute(usb / "product");
      info.manufacturer = read_attribute(usb / "manufacturer");
      info.location = usb.filename().string();
      if (info.pid < 0) info.vid = -1;  // a half-readable entry is no USB information
    }
  }
  return classify_port(std::move(info));
}

std::vector<PortInfo> scan_sysfs_ports(const fs::path& sys_class_tty) {
  std::vector<PortInfo> ports;
  std::error_code ec;
  for (fs::directory_iterator it(sys_class_tty, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // Virtual terminals (tty0..63, ptmx, console) have no device link.
    if (!fs::exists(it->path() / "device", ec)) continue;
    ports.push_back(read_sysfs_port(sys_class_tty, name));
  }
  return ports;
}

}  // namespace detail

namespace {
const std::filesystem::path kSysClassTty = "/sys/class/tty";
}  // namespace

std::vector<PortInfo> list_ports() {
  std::vector<PortInfo> ports =
      detail::filter_and_sort_ports(detail::scan_sysfs_ports(kSysClassTty));
  if (const char* extra = std::getenv("MPYTOOL_PORTS")) {
    std::string_view rest(extra);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const std::string device(rest.substr(0, colon));
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
      if (device.empty()) continue;
      PortInfo info = port_info(device);
      info.device = device;  // as named: a symlink stays readable
      const bool listed = std::any_of(ports.begin(), ports.end(),
                                      [&](const PortInfo& p) { return p.device == device; });
      if (!listed) ports.push_back(std::move(info));
    }
  }
  return ports;
}

PortInfo port_info(const std::string& device) {
  // /dev/serial/by-id/usb-... names are symlinks to /dev/ttyACMn; sysfs knows the latter.
  std::error_code ec;
  std::filesystem::path resolved = std::filesystem::canonical(device, ec);
  if (ec) resolved = device;
  const std::string name = resolved.filename().string();
  if (!name.empty() && std::filesystem::exists(kSysClassTty / name / "device", ec)) {
    PortInfo info = detail::read_sysfs_port(kSysClassTty, name);
    info.device = resolved.string();
    return info;
  }
  PortInfo info;
  info.device = resolved.string();
  return detail::classify_port(std::move(info));
}

std::string usb_id(const PortInfo& port) {
  return port.vid < 0 ? std::string() : fmt::format("{:04x}:{:04x}", port.vid, port.pid);
}

std::string detect_port() { return detail::select_port(list_ports()); }

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
