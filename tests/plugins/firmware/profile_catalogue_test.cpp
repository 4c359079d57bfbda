// SPDX-License-Identifier: MIT
// The catalogue check: every shipped profile (profiles/*.yaml, `extends` resolved) loads, every
// key in it is read by some code (core's keys by core's loader, which refuses any other; a plugin
// section's keys by the plugin that owns the section), and each board profile is chosen for the
// board it describes: a table of representative board facts, printed with the profile chosen
// and match_profile()'s reason.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mpytool/base/error.hpp"
#include "mpytool/firmware/firmware_settings.hpp"
#include "mpytool/profile/board_profile.hpp"

using namespace mpytool;
namespace fs = std::filesystem;

namespace {

const fs::path kShipped = fs::path(MPYTOOL_SOURCE_DIR) / "profiles";

/// The plugin sections of a profile (BoardProfile::settings, "section.key") and the keys their
/// owner reads. A section nobody owns is read by nobody.
const std::map<std::string, const std::vector<std::string>*>& section_owners() {
  static const std::map<std::string, const std::vector<std::string>*> owners = {
      {"firmware", &firmware::firmware_setting_keys()}};
  return owners;
}

/// The keys of \p p that nothing reads, as "file: key (why)".
std::vector<std::string> unread_keys(const BoardProfile& p) {
  std::vector<std::string> out;
  for (const auto& [key, value] : p.settings) {
    const std::string section = key.substr(0, key.find('.'));
    const std::string name = key.substr(section.size() + 1);
    const auto owner = section_owners().find(section);
    if (owner == section_owners().end()) {
      out.push_back(p.path.string() + ": " + key + " (no plugin reads the section)");
    } else if (std::find(owner->second->begin(), owner->second->end(), name) ==
               owner->second->end()) {
      out.push_back(p.path.string() + ": " + key + " (the " + section +
                    " plugin does not read it)");
    }
  }
  return out;
}

/// Every shipped file on its own (find_profiles() would skip a second file of one id).
std::vector<BoardProfile> shipped_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kShipped)) {
    if (e.path().extension() == ".yaml" || e.path().extension() == ".yml") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<BoardProfile> out;
  for (const auto& f : files) out.push_back(load_profile(f, {kShipped}));
  return out;
}

BoardFacts facts(std::string platform, std::string machine, std::string usb) {
  BoardFacts f;
  f.platform = std::move(platform);
  f.machine = std::move(machine);
  f.usb = std::move(usb);
  return f;
}

struct Case {
  BoardFacts facts;
  std::string expected;
};

/// Representative boards: (sys.platform, os.uname().machine, USB id of the port) -> profile.
/// An empty platform is a match from the port alone (before the board was asked); an empty USB
/// id is a link without one (TCP, a pty).
const std::vector<Case>& cases() {
  static const std::vector<Case> table = {
      // Raspberry Pi boards on MicroPython's USB-CDC.
      {facts("rp2", "Raspberry Pi Pico with RP2040", "2e8a:0005"), "pico"},
      {facts("rp2", "Raspberry Pi Pico W with RP2040", "2e8a:0005"), "pico-w"},
      {facts("rp2", "Raspberry Pi Pico2 with RP2350", "2e8a:0005"), "pico2"},
      {facts("rp2", "Raspberry Pi Pico 2 W with RP2350", "2e8a:0005"), "pico2-w"},
      {facts("rp2", "Raspberry Pi Pico W with RP2040", ""), "pico-w"},  // over WebREPL
      {facts("rp2", "Some Board with RP2040", ""), "rp2040"},
      {facts("rp2", "Some Board with RP2040", "2e8a:0005"), "rp2040"},
      {facts("rp2", "Some Board with RP2350", "2e8a:0005"), "rp2350"},
      // A Pico's UART REPL behind a bridge: not the USB-CDC window.
      {facts("rp2", "Raspberry Pi Pico with RP2040", "10c4:ea60"), "rp2"},
      {facts("rp2", "Vendor Board with RP2040", "239a:80f4"), "rp2"},
      {facts("", "", "2e8a:0005"), "rp2-usb"},
      // ESP32 boards behind a USB-UART bridge.
      {facts("", "", "10c4:ea60"), "esp32-devkitc"},
      {facts("", "", "1a86:7523"), "esp32-devkitc"},
      {facts("", "", "0403:6001"), "esp32-uart"},
      {facts("esp32", "Generic ESP32 module with ESP32", "10c4:ea60"), "esp32-devkitc"},
      {facts("esp32", "Generic ESP32 module with ESP32", "1a86:7523"), "esp32-devkitc"},
      {facts("esp32", "Generic ESP32 module with ESP32", "1a86:55d4"), "esp32-uart"},
      {facts("esp32", "Generic ESP32 module with ESP32", ""), "esp32"},
      {facts("esp32", "Generic ESP32S2 module with ESP32S2", "10c4:ea60"), "esp32s2-uart"},
      {facts("esp32", "Generic ESP32S3 module with ESP32S3", "10c4:ea60"), "esp32s3-uart"},
      {facts("esp32", "ESP32C3 module with ESP32C3", "1a86:7523"), "esp32c3-uart"},
      {facts("esp32", "Generic ESP32C6 module with ESP32C6", "1a86:55d3"), "esp32c6-uart"},
      // ESP32 chips on their native USB.
      {facts("", "", "303a:1001"), "esp32-usb"},
      {facts("esp32", "ESP32C3 module with ESP32C3", "303a:1001"), "esp32c3-usb"},
      {facts("esp32", "Generic ESP32C6 module with ESP32C6", "303a:1001"), "esp32c6-usb"},
      {facts("esp32", "Generic ESP32S3 module with ESP32S3", "303a:1001"), "esp32s3-usb"},
      {facts("esp32", "Generic ESP32S3 module with ESP32S3", "303a:4001"), "esp32s3-usb"},
      {facts("esp32", "Generic ESP32S2 module with ESP32S2", "303a:4001"), "esp32s2-usb"},
      // The chip, the link unknown (TCP).
      {facts("esp32", "Generic ESP32S3 module with ESP32S3", ""), "esp32s3"},
      {facts("esp32", "ESP32C3 module with ESP32C3", ""), "esp32c3"},
      {facts("esp32", "Generic ESP32C6 module with ESP32C6", ""), "esp32c6"},
      {facts("esp32", "Generic ESP32S2 module with ESP32S2", ""), "esp32s2"},
      // Anything else.
      {facts("foo", "", ""), "generic"},
      {facts("webassembly", "JS with Emscripten", ""), "generic"},
  };
  return table;
}

std::string describe(const BoardFacts& f) {
  std::string s = f.platform.empty() ? "(port only)" : "platform " + f.platform;
  if (!f.machine.empty()) s += ", machine '" + f.machine + "'";
  s += f.usb.empty() ? ", no USB" : ", USB " + f.usb;
  return s;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const MpyError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(profile_catalogue_test)

BOOST_AUTO_TEST_CASE(every_key_of_every_shipped_profile_is_read) {
  const auto files = shipped_files();
  BOOST_TEST(files.size() >= 25u);
  std::set<std::string> ids;
  for (const auto& p : files) {
    BOOST_TEST(ids.insert(p.id).second, p.path.string() << ": id '" << p.id << "' twice");
    BOOST_TEST(p.path.stem().string() == p.id, p.path.string() << ": the file is not named by id");
    BOOST_TEST(!p.description.empty(), p.path.string() << ": no description");
    for (const auto& why : unread_keys(p)) BOOST_ERROR(why);
    // The owner accepts the values, not only the names.
    BOOST_TEST(error_of([&] { firmware::firmware_settings(&p); }).empty(), p.path.string());
  }
}

BOOST_AUTO_TEST_CASE(unread_keys_are_caught) {
  const fs::path dir = fs::temp_directory_path() / "mpytool_catalogue_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  };
  // Core's own sections: an unknown key is refused by the loader itself.
  BOOST_TEST(error_of([&] {
               load_profile(write("a.yaml", "id: a\ntransfer: {speed: 1}\n"));
             }).find("transfer.speed: unknown key") != std::string::npos);
  BOOST_TEST(error_of([&] {
               load_profile(write("b.yaml", "id: b\ncolour: red\n"));
             }).find("colour: unknown key") != std::string::npos);
  // A plugin section: kept for its plugin, which must declare the key.
  const BoardProfile c = load_profile(write("c.yaml",
                                            "id: c\nfirmware: {chip: RP2040, speed: 1}\n"
                                            "ota: {slot: 1}\n"));
  const auto unread = unread_keys(c);
  BOOST_REQUIRE(unread.size() == 2u);
  BOOST_TEST(unread[0].ends_with("firmware.speed (the firmware plugin does not read it)"));
  BOOST_TEST(unread[1].ends_with("ota.slot (no plugin reads the section)"));
  // An inherited key counts as the child's: extends is resolved before the check.
  write("d.yaml", "id: d\nextends: c\n");
  BOOST_TEST(unread_keys(load_profile(dir / "d.yaml", {dir})).size() == 2u);
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(each_board_profile_matches_its_board) {
  const auto all = find_profiles({kShipped});
  std::set<std::string> chosen;
  for (const auto& c : cases()) {
    const ProfileMatch m = match_profile(all, c.facts);
    const std::string id = m.profile ? m.profile->id : "(none)";
    std::cout << "catalogue: " << describe(c.facts) << " -> " << id << " (" << m.reason << ")\n";
    BOOST_TEST(id == c.expected, describe(c.facts) << ": " << id << " (" << m.reason << ")");
    chosen.insert(id);
  }
  // Every profile that names a board (USB ids, a machine string) is chosen for one.
  for (const auto& p : all) {
    const bool names_a_board = !p.match_usb.empty() || p.match_machine || p.match_machine_contains;
    if (names_a_board) BOOST_TEST(chosen.contains(p.id), p.id << ": no case chooses it");
  }
}

BOOST_AUTO_TEST_CASE(a_chips_variants_share_its_layout) {
  // The firmware plugin takes a chip's layout from the first profile for that chip
  // (profile_for_chip): the -uart / -usb / board variants must not disagree with it.
  const auto all = find_profiles({kShipped});
  for (const auto& p : all) {
    const auto s = firmware::firmware_settings(&p);
    if (s.chip.empty() || s.chip.starts_with("RP2")) continue;
    const BoardProfile* first = firmware::profile_for_chip(all, s.chip);
    BOOST_REQUIRE_MESSAGE(first, p.id << ": no profile for chip " << s.chip);
    const auto f = firmware::firmware_settings(first);
    BOOST_TEST(
        (s.bootloader_offset == f.bootloader_offset &&
         s.partition_table_offset == f.partition_table_offset && s.app_offset == f.app_offset),
        p.id << " and " << first->id << " disagree on the " << s.chip << " layout");
  }
  // The RP2 boards: their chip, flash size and BOOTSEL id.
  auto rp2 = [&](const char* id) {
    return firmware::firmware_settings(find_profile_by_id(all, id));
  };
  BOOST_TEST(rp2("pico").chip == "RP2040");
  BOOST_TEST(rp2("pico").flash_size.value_or(0) == 0x200000u);
  BOOST_TEST(rp2("pico-w").flash_size.value_or(0) == 0x200000u);
  BOOST_TEST(rp2("pico2").chip == "RP2350");
  BOOST_TEST(rp2("pico2").flash_size.value_or(0) == 0x400000u);
  BOOST_TEST(rp2("pico2-w").boot_usb == "2e8a:000f");
  BOOST_TEST(rp2("pico").boot_usb == "2e8a:0003");
  BOOST_TEST(!rp2("rp2040").flash_size.has_value());
  BOOST_TEST(!rp2("pico").touch_1200);
  // The board profiles keep the native USB window of rp2-usb.
  BOOST_TEST(find_profile_by_id(all, "pico-w")->window.value_or(0) == 8192);
}

BOOST_AUTO_TEST_SUITE_END()
