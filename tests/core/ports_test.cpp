// SPDX-License-Identifier: MIT
// Port descriptions, types, priorities, sorting and selection (docs/compatibility.md, "Serial
// ports"), and the sysfs walk against a fake /sys tree.

#include "mpytool/link/ports.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mpytool/base/error.hpp"
#include "ports_detail.hpp"

namespace {

namespace fs = std::filesystem;
using mpytool::PortInfo;

PortInfo usb_port(std::string device, int vid, int pid, std::string serial = {},
                  std::string product = {}, std::string manufacturer = {}) {
  PortInfo info;
  info.device = std::move(device);
  info.vid = vid;
  info.pid = pid;
  info.serial_number = std::move(serial);
  info.product = std::move(product);
  info.manufacturer = std::move(manufacturer);
  return mpytool::detail::classify_port(std::move(info));
}

std::string selection_error(const std::vector<PortInfo>& ports) {
  try {
    mpytool::detail::select_port(ports);
  } catch (const mpytool::ConnError& e) {
    return e.what();
  }
  return "<no exception>";
}

std::vector<std::string> devices(const std::vector<PortInfo>& ports) {
  std::vector<std::string> names;
  for (const auto& port : ports) names.push_back(port.device);
  return names;
}

/// A throw-away /sys lookalike: class/tty/<name>/device links into devices/.
class FakeSysfs {
 public:
  FakeSysfs()
      : root_(fs::temp_directory_path() / ("mpytool_ports_test_" + std::to_string(::getpid()))) {
    fs::remove_all(root_);
    fs::create_directories(tty_dir());
  }
  ~FakeSysfs() { fs::remove_all(root_); }
  fs::path tty_dir() const { return root_ / "class" / "tty"; }

  /// A USB device directory with its attributes; returns its path.
  fs::path usb_device(const std::string& name, const std::string& vid, const std::string& pid,
                      const std::string& serial, const std::string& product) {
    const fs::path dir = root_ / "devices" / "usb1" / name;
    fs::create_directories(dir);
    write(dir / "idVendor", vid + "\n");
    write(dir / "idProduct", pid + "\n");
    if (!serial.empty()) write(dir / "serial", serial + "\n");
    if (!product.empty()) write(dir / "product", product + "\n");
    return dir;
  }
  /// /sys/class/tty/<name>, with its device link pointing at \p device_dir (none if empty).
  void tty(const std::string& name, const fs::path& device_dir) {
    fs::create_directories(tty_dir() / name);
    if (device_dir.empty()) return;
    fs::create_directories(device_dir);
    fs::create_directory_symlink(device_dir, tty_dir() / name / "device");
  }
  fs::path root() const { return root_; }

 private:
  static void write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }
  fs::path root_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ports_test)

BOOST_AUTO_TEST_CASE(known_names) {
  using mpytool::detail::usb_board_name;
  using mpytool::detail::usb_vendor_name;
  BOOST_TEST(usb_board_name(0x2E8A, 0x0005) == "Raspberry Pi Pico W");
  BOOST_TEST(usb_board_name(0x2E8A, 0x000F) == "Raspberry Pi RP2350");
  BOOST_TEST(usb_board_name(0x303A, 0x1001) == "Espressif ESP32-C3/C6");
  BOOST_TEST(usb_board_name(0xF055, 0x9802) == "Pyboard (CDC+MSC)");
  BOOST_TEST(usb_board_name(0x10C4, 0xEA60) == "");
  BOOST_TEST(usb_vendor_name(0x10C4) == "Silicon Labs CP210x");
  BOOST_TEST(usb_vendor_name(0x1A86) == "QinHeng CH340");
  BOOST_TEST(usb_vendor_name(0x0403) == "FTDI");
  BOOST_TEST(usb_vendor_name(0x067B) == "Prolific PL2303");
  BOOST_TEST(usb_vendor_name(0x1234) == "");
}

BOOST_AUTO_TEST_CASE(type_and_priority) {
  using mpytool::detail::port_priority;
  using mpytool::detail::port_type;
  for (const int vid : {0x2E8A, 0x303A, 0xF055}) {
    BOOST_TEST(port_priority(vid) == 0);
    BOOST_TEST(port_type(vid) == "USB-CDC");
  }
  for (const int vid : {0x10C4, 0x1A86, 0x0403, 0x067B}) {
    BOOST_TEST(port_priority(vid) == 1);
    BOOST_TEST(port_type(vid) == "USB-UART");
  }
  BOOST_TEST(port_priority(0x1234) == 2);
  BOOST_TEST(port_type(0x1234) == "USB (unknown)");
  BOOST_TEST(port_priority(-1) == 3);
  BOOST_TEST(port_type(-1) == "unknown");
}

BOOST_AUTO_TEST_CASE(description_fallbacks) {
  // 1. known board name (+ serial), even when a product string exists
  BOOST_TEST(usb_port("a", 0x2E8A, 0x0003, "E6614103", "Board in FS mode").description ==
             "Raspberry Pi Pico [E6614103]");
  BOOST_TEST(usb_port("a", 0x303A, 0x1002).description == "Espressif ESP32-S3");
  // 2. product (+ serial)
  BOOST_TEST(usb_port("a", 0x10C4, 0xEA60, "0001", "CP2102 USB to UART").description ==
             "CP2102 USB to UART [0001]");
  BOOST_TEST(usb_port("a", 0x10C4, 0xEA60, "", "CP2102 USB to UART").description ==
             "CP2102 USB to UART");
  // 3. manufacturer
  BOOST_TEST(usb_port("a", 0x1234, 0x5678, "S1", "", "ACME").description == "ACME");
  // 4. vendor name
  BOOST_TEST(usb_port("a", 0x1A86, 0x7523, "S1").description == "QinHeng CH340");
  // 5. raw ids, upper-case hex
  BOOST_TEST(usb_port("a", 0xabcd, 0x00ef).description == "USB ABCD:00EF");
  // no USB at all
  BOOST_TEST(usb_port("a", -1, -1).description == "n/a");
}

BOOST_AUTO_TEST_CASE(filter_and_sort) {
  const auto ports = mpytool::detail::filter_and_sort_ports({
      usb_port("/dev/ttyUSB1", 0x1A86, 0x7523),
      usb_port("/dev/ttyS0", -1, -1),
      usb_port("/dev/ttyACM1", 0x1234, 0x0001),
      usb_port("/dev/ttyUSB0", 0x10C4, 0xEA60),
      usb_port("/dev/tty.usbmodem1", 0x2E8A, 0x0005),
      usb_port("/dev/ttyACM0", 0x2E8A, 0x0005),
      usb_port("/dev/cu.usbmodem1", 0x2E8A, 0x0005),
  });
  BOOST_TEST(
      devices(ports) == (std::vector<std::string>{"/dev/cu.usbmodem1", "/dev/ttyACM0",
                                                  "/dev/ttyUSB0", "/dev/ttyUSB1", "/dev/ttyACM1"}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(select_port_texts) {
  using mpytool::detail::select_port;
  BOOST_TEST(selection_error({}) == "No serial port found. Use -p to specify port.");
  BOOST_TEST(select_port({usb_port("/dev/ttyACM0", 0x2E8A, 0x0005)}) == "/dev/ttyACM0");
  BOOST_TEST(selection_error({usb_port("/dev/ttyACM0", 0x2E8A, 0x0005),
                              usb_port("/dev/ttyUSB0", 0x10C4, 0xEA60)}) ==
             "Multiple serial ports found: /dev/ttyACM0, /dev/ttyUSB0. Use -p to specify one.");
}

BOOST_AUTO_TEST_CASE(sysfs_walk) {
  FakeSysfs sys;
  // cdc_acm: the tty's device is the USB interface; its parent is the USB device.
  const auto pico = sys.usb_device("1-1", "2e8a", "0005", "E66141040396", "Board in FS mode");
  sys.tty("ttyACM0", pico / "1-1:1.0");
  // usb-serial: device → ttyUSB0 port dir → interface → USB device.
  const auto cp210x = sys.usb_device("1-2", "10c4", "ea60", "0001", "CP2102N USB to UART");
  sys.tty("ttyUSB0", cp210x / "1-2:1.0" / "ttyUSB0");
  // a built-in UART and a virtual console
  sys.tty("ttyS0", sys.root() / "devices" / "platform" / "serial8250");
  sys.tty("tty1", {});

  auto all = mpytool::detail::scan_sysfs_ports(sys.tty_dir());
  BOOST_TEST(all.size() == 3u);
  const auto ports = mpytool::detail::filter_and_sort_ports(std::move(all));
  BOOST_REQUIRE(ports.size() == 2u);
  BOOST_TEST(ports[0].device == "/dev/ttyACM0");
  BOOST_TEST(ports[0].vid == 0x2E8A);
  BOOST_TEST(ports[0].pid == 0x0005);
  BOOST_TEST(ports[0].serial_number == "E66141040396");
  BOOST_TEST(ports[0].product == "Board in FS mode");
  BOOST_TEST(ports[0].description == "Raspberry Pi Pico W [E66141040396]");
  BOOST_TEST(ports[0].type == "USB-CDC");
  BOOST_TEST(ports[0].priority == 0);
  BOOST_TEST(ports[1].device == "/dev/ttyUSB0");
  BOOST_TEST(ports[1].description == "CP2102N USB to UART [0001]");
  BOOST_TEST(ports[1].type == "USB-UART");
  BOOST_TEST(ports[1].priority == 1);

  const auto uart = mpytool::detail::read_sysfs_port(sys.tty_dir(), "ttyS0");
  BOOST_TEST(uart.vid == -1);
  BOOST_TEST(uart.type == "unknown");
  BOOST_TEST(uart.priority == 3);
}

BOOST_AUTO_TEST_CASE(port_info_of_non_usb_paths) {
  // A pty or a missing path has no USB information; symlinks are resolved first.
  const auto missing = mpytool::port_info("/nonexistent/ttyACM7");
  BOOST_TEST(missing.device == "/nonexistent/ttyACM7");
  BOOST_TEST(missing.vid == -1);
  BOOST_TEST(missing.type == "unknown");
  BOOST_TEST(missing.priority == 3);

  const fs::path link =
      fs::temp_directory_path() / ("mpytool_ports_link_" + std::to_string(::getpid()));
  fs::remove(link);
  fs::create_symlink("/dev/null", link);
  const auto resolved = mpytool::port_info(link.string());
  fs::remove(link);
  BOOST_TEST(resolved.device == "/dev/null");
  BOOST_TEST(resolved.type == "unknown");
}

BOOST_AUTO_TEST_CASE(list_ports_only_returns_usb_ports) {
  // Whatever this machine has: every listed port carries a VID and is sorted.
  const auto ports = mpytool::list_ports();
  for (std::size_t i = 0; i < ports.size(); ++i) {
    BOOST_TEST(ports[i].vid >= 0);
    if (i > 0) BOOST_TEST(ports[i - 1].priority <= ports[i].priority);
  }
}

BOOST_AUTO_TEST_SUITE_END()
