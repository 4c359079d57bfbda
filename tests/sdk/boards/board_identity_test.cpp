// SPDX-License-Identifier: MIT
// Board identity: -p selectors, matching ports by USB serial/location, finding a board again
// after a re-enumeration, and the inventory file.
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mpytool/base/error.hpp"
#include "mpytool/boards/inventory.hpp"
#include "mpytool/boards/port_selector.hpp"
#include "mpytool/boards/probe.hpp"

using mpytool::PortInfo;
using mpytool::PortSelector;
namespace fs = std::filesystem;

namespace {

PortInfo port(std::string device, std::string serial, std::string location) {
  PortInfo p;
  p.device = std::move(device);
  p.serial_number = std::move(serial);
  p.location = std::move(location);
  p.vid = 0x2e8a;
  p.pid = 0x0005;
  return p;
}

std::string message(const std::function<void()>& f) {
  try {
    f();
  } catch (const mpytool::MpyError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(board_identity_test)

BOOST_AUTO_TEST_CASE(selectors_parse) {
  using K = PortSelector::Kind;
  auto s = mpytool::parse_port_selector("/dev/ttyACM0");
  BOOST_TEST((s.kind == K::kDevice && s.value == "/dev/ttyACM0"));
  s = mpytool::parse_port_selector("id:E6614C311B3F");
  BOOST_TEST((s.kind == K::kUsbSerial && s.value == "E6614C311B3F"));
  s = mpytool::parse_port_selector("loc:1-2.3");
  BOOST_TEST((s.kind == K::kLocation && s.value == "1-2.3"));
  s = mpytool::parse_port_selector("uid:30:AE:A4-12");
  BOOST_TEST((s.kind == K::kUniqueId && s.value == "30aea412"));
  BOOST_TEST(s.text() == "uid:30aea412");
  s = mpytool::parse_port_selector("@bench-3");
  BOOST_TEST((s.kind == K::kName && s.value == "bench-3"));
  // A link URL is neither a selector nor a device path.
  s = mpytool::parse_port_selector("rfc2217://10.0.0.5:4000?ign_set_control");
  BOOST_TEST((s.kind == K::kUrl && s.value == "rfc2217://10.0.0.5:4000?ign_set_control"));
  BOOST_TEST(s.text() == "rfc2217://10.0.0.5:4000?ign_set_control");
  s = mpytool::parse_port_selector("socket://host:23");
  BOOST_TEST((s.kind == K::kUrl && s.value == "socket://host:23"));
  BOOST_CHECK_THROW(mpytool::parse_port_selector("id:"), mpytool::UsageError);
  BOOST_CHECK_THROW(mpytool::parse_port_selector("uid:xyz"), mpytool::UsageError);
  BOOST_CHECK_THROW(mpytool::parse_port_selector("@"), mpytool::UsageError);
}

BOOST_AUTO_TEST_CASE(ports_match_by_serial_and_location) {
  const std::vector<PortInfo> ports = {port("/dev/ttyACM0", "AAA", "1-2.1"),
                                       port("/dev/ttyACM1", "BBB", "1-2.2"),
                                       port("/dev/ttyACM2", "", "1-2.3")};
  auto resolve = [&](const std::string& spec) {
    return mpytool::resolve_port(mpytool::parse_port_selector(spec), ports, 115200);
  };
  BOOST_TEST(resolve("id:BBB") == "/dev/ttyACM1");
  BOOST_TEST(resolve("loc:1-2.3") == "/dev/ttyACM2");
  BOOST_TEST(resolve("/dev/whatever") == "/dev/whatever");        // a path is taken as given
  BOOST_TEST(resolve("rfc2217://h:4000") == "rfc2217://h:4000");  // so is a URL
  BOOST_TEST(message([&] { resolve("id:CCC"); }) ==
             "no board with USB serial 'CCC' (ports: /dev/ttyACM0, /dev/ttyACM1, /dev/ttyACM2)");
  BOOST_TEST(message([&] { resolve("loc:9-9"); }).find("no board with USB location '9-9'") == 0);
  // A port without a serial number never matches a serial, not even an empty one.
  BOOST_TEST(!mpytool::port_matches(ports[2], {PortSelector::Kind::kUsbSerial, ""}));
  BOOST_TEST(mpytool::port_matches(ports[2], {PortSelector::Kind::kDevice, "/dev/ttyACM2"}));
  const std::vector<PortInfo> twins = {port("/dev/ttyACM0", "SAME", "1-1"),
                                       port("/dev/ttyACM1", "SAME", "1-2")};
  BOOST_TEST(message([&] {
               mpytool::resolve_port(mpytool::parse_port_selector("id:SAME"), twins, 115200);
             }) == "2 ports match USB serial 'SAME': /dev/ttyACM0, /dev/ttyACM1");
  BOOST_CHECK_THROW(resolve("@x"), mpytool::UsageError);  // names go through the inventory
}

BOOST_AUTO_TEST_CASE(a_board_is_found_again_after_re_enumeration) {
  const PortInfo was = port("/dev/ttyACM0", "AAA", "1-2.1");
  // After machine.reset() the board came back as ttyACM3; another board took ttyACM0.
  std::vector<PortInfo> now = {port("/dev/ttyACM0", "ZZZ", "1-2.9"),
                               port("/dev/ttyACM3", "AAA", "1-2.1")};
  BOOST_TEST(mpytool::find_same_port(was, now) == "/dev/ttyACM3");
  // No serial number: the USB socket decides.
  const PortInfo anon = port("/dev/ttyUSB0", "", "3-1");
  now = {port("/dev/ttyUSB1", "", "3-1")};
  BOOST_TEST(mpytool::find_same_port(anon, now) == "/dev/ttyUSB1");
  // Two bridges with the same serial: never guessed between; the socket decides.
  const PortInfo cheap = port("/dev/ttyUSB1", "0001", "1-4");
  now = {port("/dev/ttyUSB0", "0001", "1-3"), port("/dev/ttyUSB2", "0001", "1-4")};
  BOOST_TEST(mpytool::find_same_port(cheap, now) == "/dev/ttyUSB2");
  now = {port("/dev/ttyUSB0", "0001", "1-3"), port("/dev/ttyUSB1", "0001", "1-4")};
  BOOST_TEST(mpytool::find_same_port(cheap, now) == "/dev/ttyUSB1");  // still there: stay
  // Not back yet.
  BOOST_TEST(mpytool::find_same_port(was, {}) == "");
  // A pty has neither: its path.
  PortInfo pty;
  pty.device = "/dev/pts/4";
  BOOST_TEST(mpytool::find_same_port(pty, {pty}) == "/dev/pts/4");
}

BOOST_AUTO_TEST_CASE(inventory_loads_and_refuses_bad_entries) {
  const fs::path dir = fs::temp_directory_path() / "mpytool-inventory-test";
  fs::create_directories(dir);
  const fs::path f = dir / "mpytool.yaml";
  std::ofstream(f) << "boards:\n"
                      "  bench-1:\n    port: id:AAA\n    profile: rp2-usb\n    labels: [a, b]\n"
                      "  gw:\n    address: 10.0.0.5:23\n    description: the gateway\n";
  const mpytool::Inventory inv = mpytool::load_inventory(f);
  BOOST_REQUIRE(inv.boards.size() == 2u);
  BOOST_TEST(inv.find("bench-1")->port == "id:AAA");
  BOOST_TEST(inv.find("bench-1")->profile == "rp2-usb");
  BOOST_TEST(inv.find("bench-1")->has_label("b"));
  BOOST_TEST(!inv.find("bench-1")->has_label("c"));
  BOOST_TEST(inv.find("gw")->address == "10.0.0.5:23");
  BOOST_TEST(!inv.find("nope"));

  auto bad = [&](const std::string& text) {
    std::ofstream(f) << text;
    return message([&] { mpytool::load_inventory(f); });
  };
  const std::string head = "inventory '" + f.string() + "' ";
  BOOST_TEST(bad("boards:\n  x:\n    port: a\n    address: b\n") ==
             head + "(line 3, column 5): boards.x: needs exactly one of 'port' and 'address'");
  BOOST_TEST(bad("boards:\n  x:\n    port: \"@y\"\n") ==
             head + "(line 3, column 11): boards.x.port: a board cannot name a board");
  BOOST_TEST(bad("boards:\n  x:\n    port: a\n    labels: one\n") ==
             head + "(line 4, column 13): boards.x.labels: expected a list");
  BOOST_TEST(bad("board:\n  x: {}\n") == head + "(line 1, column 1): board: unknown key");
  BOOST_TEST(bad("boards: [a]\n").find("boards: expected a mapping of board names") !=
             std::string::npos);

  // Discovery: MPYTOOL_INVENTORY wins; else mpytool.yaml from the working directory upwards.
  ::setenv("MPYTOOL_INVENTORY", "/x/inv.yaml", 1);
  BOOST_TEST(mpytool::find_inventory_file()->string() == "/x/inv.yaml");
  ::unsetenv("MPYTOOL_INVENTORY");
  const fs::path sub = dir / "a" / "b";
  fs::create_directories(sub);
  const fs::path cwd = fs::current_path();
  fs::current_path(sub);
  const auto found = mpytool::find_inventory_file();
  fs::current_path(cwd);
  BOOST_TEST(found.has_value());
  BOOST_TEST(fs::equivalent(*found, f));
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
