// SPDX-License-Identifier: MIT
// Board profiles: the shipped profiles/*.yaml load, broken files fail with the file and the key
// named, the search path order, and matching (most specific wins, "generic" is the fallback).
#include "mpytool/profile/board_profile.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mpytool/base/error.hpp"

namespace fs = std::filesystem;
using namespace mpytool;

namespace {

const fs::path kShipped = fs::path(MPYTOOL_SOURCE_DIR) / "profiles";

/// A temporary directory removed at the end of the test.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("mpytool-profile-test-" + std::to_string(getpid()) +
                                               "-" + std::to_string(counter++));
  static inline int counter = 0;
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
};

/// The message of the UsageError load_profile() throws for \p text.
std::string load_error(const std::string& text) {
  TempDir dir;
  fs::path file = dir.write("bad.yaml", text);
  try {
    load_profile(file);
  } catch (const UsageError& e) {
    std::string m = e.what();
    const std::string head = "profile '" + file.string() + "'";
    BOOST_TEST(m.find(head) == 0, m);
    m = m.substr(head.size());
    // Most errors name the line and column of the offending node.
    if (m.starts_with(" (line ")) m = m.substr(m.find(')') + 1);
    BOOST_TEST(m.find(": ") == 0, m);
    return m.substr(2);
  }
  BOOST_FAIL("no error for: " + text);
  return {};
}

BoardProfile make(std::string id, std::string platform, std::string machine_contains = {}) {
  BoardProfile p;
  p.id = std::move(id);
  p.match_platform = std::move(platform);
  if (!machine_contains.empty()) p.match_machine_contains = machine_contains;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(board_profile_test)

BOOST_AUTO_TEST_CASE(shipped_profiles_load) {
  BoardProfile esp32 = load_profile(kShipped / "esp32.yaml");
  BOOST_TEST(esp32.id == "esp32");
  BOOST_TEST(esp32.match_platform == "esp32");
  BOOST_TEST(esp32.has_capability("platform.esp32"));
  BOOST_TEST(esp32.has_capability("flash.partitions"));
  BOOST_TEST(!esp32.chunk_size.has_value());
  BOOST_TEST(esp32.stdin_buffer.value_or(0) == 260);
  BOOST_TEST((esp32.raw_paste == RawPasteMode::kAuto));
  BOOST_TEST((esp32.hard_reset == HardReset::kRts));
  BOOST_TEST(!esp32.bootloader_reset.has_value());
  BOOST_REQUIRE(esp32.bootloader_sequences.size() == 2u);  // classic, then unix-tight
  BOOST_TEST((esp32.bootloader_sequences[0] == bootloader_reset_sequence()));
  BOOST_TEST(esp32.settings.at("firmware.bootloader_offset") == "0x1000");
  BOOST_TEST((esp32.flash_layout == FlashLayout::kPartitions));

  BoardProfile rp2 = load_profile(kShipped / "rp2.yaml");
  BOOST_TEST(rp2.id == "rp2");
  BOOST_TEST(rp2.stdin_buffer.value_or(0) == 512);
  BOOST_TEST((rp2.hard_reset == HardReset::kNone));
  BOOST_TEST((rp2.bootloader_reset == BootloaderReset::kMachine));
  BOOST_TEST((rp2.flash_layout == FlashLayout::kUserFlash));

  BoardProfile generic = load_profile(kShipped / "generic.yaml");
  BOOST_TEST(generic.id == "generic");
  BOOST_TEST(generic.match_platform.empty());
  BOOST_TEST(generic.capabilities.empty());
  BOOST_TEST((generic.flash_layout == FlashLayout::kNone));

  auto all = find_profiles({kShipped});
  BOOST_TEST(all.size() == 25u);  // the catalogue: profiles/README.md
  // Each chip's profile carries its own bootloader offset.
  BOOST_TEST(find_profile_by_id(all, "esp32s3")->settings.at("firmware.bootloader_offset") ==
             "0x0");
  BOOST_TEST(find_profile_by_id(all, "esp32s2")->settings.at("firmware.chip") == "ESP32-S2");
  // The native-USB profiles inherit their platform profile and raise the window.
  const BoardProfile* usb = find_profile_by_id(all, "esp32-usb");
  BOOST_REQUIRE(usb);
  BOOST_TEST(usb->extends == "esp32");
  BOOST_TEST(usb->match_platform == "esp32");
  BOOST_TEST(usb->match_usb == std::vector<std::string>{"303a:1001"});
  BOOST_TEST(usb->window.value_or(0) == 8192);
  BOOST_TEST(usb->has_capability("flash.partitions"));
  BoardFacts f;
  f.platform = "esp32";
  f.usb = "303a:1001";
  BOOST_TEST(match_profile(all, f).profile->id == "esp32-usb");
  f.usb = "0403:6001";  // an FTDI bridge: the auto-reset circuit's sequences
  BOOST_TEST(match_profile(all, f).profile->id == "esp32-uart");
  f.usb = "10c4:ea60";  // the DevKitC's CP2102: the same sequences, the board named
  BOOST_TEST(match_profile(all, f).profile->id == "esp32-devkitc");
  f.usb.clear();  // TCP
  BOOST_TEST(match_profile(all, f).profile->id == "esp32");
  BoardFacts pico;
  pico.usb = "2e8a:0005";  // before the board was asked
  BOOST_TEST(match_profile(all, pico).profile->id == "rp2-usb");
}

BOOST_AUTO_TEST_CASE(optional_keys_stay_unset) {
  TempDir dir;
  BoardProfile p = load_profile(dir.write("min.yaml", "id: tiny\n"));
  BOOST_TEST(p.id == "tiny");
  BOOST_TEST(p.description.empty());
  BOOST_TEST((p.raw_paste == RawPasteMode::kAuto));
  BOOST_TEST(!p.chunk_size.has_value());
  BOOST_TEST(!p.hard_reset.has_value());
  BOOST_TEST(!p.flash_layout.has_value());

  p = load_profile(dir.write("full.yaml",
                             "id: s3\nmatch: {platform: esp32, machine_contains: ESP32S3, "
                             "usb: [\"303A:1001\"]}\nrepl: {raw_paste: no}\n"
                             "transfer: {chunk_size: 4096}\n"));
  BOOST_TEST(*p.match_machine_contains == "ESP32S3");
  BOOST_TEST(p.match_usb == std::vector<std::string>{"303a:1001"});
  BOOST_TEST((p.raw_paste == RawPasteMode::kNo));
  BOOST_TEST(*p.chunk_size == 4096);
}

BOOST_AUTO_TEST_CASE(bootloader_sequences_and_plugin_sections) {
  TempDir dir;
  const BoardProfile p = load_profile(
      dir.write("x.yaml",
                "id: x\nreset:\n  bootloader: [unix-tight, classic, \"D0|R1|W0.2|D1|R0|W0.1|D0\"]\n"
                "firmware:\n  chip: ESP32-S3\n  baud: 460800\n  bootloader_offset: 0x0\n"));
  BOOST_REQUIRE(p.bootloader_sequences.size() == 3u);
  BOOST_TEST(format_reset_sequence(p.bootloader_sequences[0]) ==
             "U0,0|U1,1|U0,1|W0.1|U1,0|W0.05|U0,0|D0");
  BOOST_TEST((p.bootloader_sequences[1] == bootloader_reset_sequence()));
  BOOST_TEST(format_reset_sequence(p.bootloader_sequences[2]) == "D0|R1|W0.2|D1|R0|W0.1|D0");
  BOOST_TEST(!p.bootloader_reset.has_value());
  // A section core does not read is kept, by dotted key, for the plugin that owns it.
  BOOST_TEST(p.settings.at("firmware.chip") == "ESP32-S3");
  BOOST_TEST(p.settings.at("firmware.baud") == "460800");
  BOOST_TEST(p.settings.at("firmware.bootloader_offset") == "0x0");
  BOOST_TEST(named_reset_sequence("usb-jtag-serial") != nullptr);
  BOOST_TEST(named_reset_sequence("dtr-rts") == nullptr);
  BOOST_TEST(load_error("id: x\nfirmware: {baud: [1, 2]}\n") ==
             "firmware.baud: expected a string, got a list");
  BOOST_TEST(load_error("id: x\nreset: {bootloader: [classic, machine]}\n") ==
             "reset.bootloader: a list holds sequences, not the words");
  BOOST_TEST(load_error("id: x\nreset: {bootloader: [classic, D7]}\n")
                 .find("reset.bootloader: "
                       "expected") == 0);
}

BOOST_AUTO_TEST_CASE(broken_profiles_name_file_and_key) {
  BOOST_TEST(load_error("id: [unclosed\n").find("invalid YAML at line") == 0);
  BOOST_TEST(load_error("- a list\n") == "(top level): expected a mapping, got a list");
  BOOST_TEST(load_error("description: x\n") == "id: missing");
  BOOST_TEST(load_error("id: x\ncolour: red\n") == "colour: unknown key");
  BOOST_TEST(load_error("id: x\nrepl: {raw_paste: auto, speed: 1}\n") == "repl.speed: unknown key");
  BOOST_TEST(load_error("id: x\ntransfer: {chunk_size: big}\n") ==
             "transfer.chunk_size: expected an integer, got 'big'");
  BOOST_TEST(load_error("id: x\ntransfer: {chunk_size: 10}\n") ==
             "transfer.chunk_size: 10 is out of range 64..131072");
  BOOST_TEST(load_error("id: x\ncapabilities: fs\n") == "capabilities: expected a list, got 'fs'");
  BOOST_TEST(load_error("id: x\nrepl: {raw_paste: maybe}\n") ==
             "repl.raw_paste: expected one of auto, yes, no, got 'maybe'");
  BOOST_TEST(load_error("id: x\nreset: {hard: dtr}\n") ==
             "reset.hard: expected rts, none or a reset sequence "
             "(D0|R1|W0.1|R0): unknown command 'd' (D, R, U or W) (at character 1)");
  BOOST_TEST(load_error("id: x\nmatch: {machine_contains: S3}\n") ==
             "match.platform: missing (a match needs a platform or a USB condition)");
  BOOST_TEST(load_error("id: x\nmatch: {platform: rp2, machine: \"RP2(\"}\n")
                 .find("match.machine: not a regular expression") == 0);
  BOOST_TEST(load_error("id: x\ntransfer: {path: fast}\n") ==
             "transfer.path: expected one of auto, stream, text, got 'fast'");
  BOOST_TEST(load_error("id: x\ntransfer: {window: 8}\n") ==
             "transfer.window: 8 is out of range 16..1048576");
  BOOST_TEST(load_error("id: x\nrepl: {entry_delay: soon}\n") ==
             "repl.entry_delay: expected seconds, got 'soon'");
  BOOST_TEST(load_error("id: x\nfs: {mount: flash}\n") == "fs.mount: expected an absolute path");
  BOOST_TEST(load_error("id: x\nfs: {size: 1}\n") == "fs.size: unknown key");
  BOOST_TEST(load_error("id: x\nmatch: {platform: rp2, usb: [\"2e8a\"]}\n") ==
             "match.usb: expected \"vvvv:pppp\" (hex), got '2e8a'");
  BOOST_TEST(load_error("id: {a: 1}\n") == "id: expected a string, got a mapping");

  BOOST_CHECK_THROW(load_profile("/nonexistent/x.yaml"), UsageError);

  // The position is that of the offending key or value, also below `extends`.
  TempDir dir;
  dir.write("base.yaml", "id: base\ntransfer: {chunk_size: 512}\n");
  const fs::path f = dir.write("bad.yaml", "id: x\nextends: base\ntransfer:\n  window: lots\n");
  try {
    load_profile(f, {dir.path});
    BOOST_FAIL("no error");
  } catch (const UsageError& e) {
    BOOST_TEST(std::string(e.what()) ==
               "profile '" + f.string() +
                   "' (line 4, column 11): transfer.window: expected an integer, got 'lots'");
  }
  // An error in the base is reported in the base's file.
  const fs::path b2 = dir.write("base2.yaml", "id: base2\ntransfer:\n  window: x\n");
  const fs::path c2 = dir.write("child2.yaml", "id: child2\nextends: base2\n");
  try {
    load_profile(c2, {dir.path});
    BOOST_FAIL("no error");
  } catch (const UsageError& e) {
    BOOST_TEST(
        std::string(e.what()).find("profile '" + b2.string() + "' (line 3, column 11)") == 0u,
        e.what());
  }
  fs::remove(b2);
  fs::remove(c2);
  const fs::path g = dir.write("key.yaml", "id: x\nrepl:\n  raw_paste: yes\n  speed: 3\n");
  try {
    load_profile(g);
    BOOST_FAIL("no error");
  } catch (const UsageError& e) {
    BOOST_TEST(std::string(e.what()).find("' (line 4, column 3): repl.speed: unknown key") !=
               std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(new_keys_are_read) {
  TempDir dir;
  BoardProfile p = load_profile(dir.write(
      "full.yaml",
      "id: s3\nmatch: {usb: [\"303a:1001\"], usb_serial: [A1, B2], usb_product: \"JTAG\", "
      "machine: \"ESP32-?S3\"}\nrepl: {entry_delay: 0.25}\n"
      "transfer: {window: 4096, path: stream, compress: no}\nfs: {type: littlefs, mount: /}\n"));
  BOOST_TEST(p.match_platform.empty());
  BOOST_TEST(*p.match_machine == "ESP32-?S3");
  BOOST_TEST(p.match_usb_serial == (std::vector<std::string>{"A1", "B2"}));
  BOOST_TEST(*p.match_usb_product == "JTAG");
  BOOST_TEST(*p.entry_delay == 0.25);
  BOOST_TEST(*p.window == 4096);
  BOOST_TEST(*p.transfer_path == "stream");
  BOOST_TEST((p.compress == std::optional<bool>(false)));
  BOOST_TEST(p.fs_type == "littlefs");
  BOOST_TEST(p.fs_mount == "/");
}

BOOST_AUTO_TEST_CASE(usb_identity_matches_before_the_board_is_asked) {
  BoardProfile cdc = make("pico-cdc", "rp2");
  cdc.match_usb = {"2e8a:0005"};
  BoardProfile mine = make("my-pico", "");
  mine.match_usb = {"2e8a:0005"};
  mine.match_usb_serial = {"E66141"};
  BoardProfile jtag = make("jtag", "esp32");
  jtag.match_usb_product = "USB JTAG";
  BoardProfile regex = make("s3", "esp32");
  regex.match_machine = "ESP32-?S3";
  std::vector<BoardProfile> profiles = {make("rp2", "rp2"), cdc, mine, jtag, regex,
                                        make("generic", "")};
  auto pick = [&](BoardFacts f) {
    ProfileMatch m = match_profile(profiles, f);
    return m.profile ? m.profile->id + " | " + m.reason : std::string("(none)");
  };
  BoardFacts f;
  f.usb = "2e8a:0005";
  BOOST_TEST(pick(f) == "pico-cdc | USB 2e8a:0005");  // from the port alone
  f.usb_serial = "E66141";
  BOOST_TEST(pick(f) == "my-pico | USB 2e8a:0005, USB serial E66141");
  f.usb_serial = "OTHER";
  f.platform = "rp2";
  BOOST_TEST(pick(f) == "pico-cdc | platform rp2, USB 2e8a:0005");
  BoardFacts none;  // not USB and not asked: nothing is certain
  BOOST_TEST(pick(none) == "(none)");
  BoardFacts s3;
  s3.platform = "esp32";
  s3.machine = "ESP32S3 module";
  s3.usb = "303a:1001";
  s3.usb_product = "USB JTAG/serial debug unit";
  // Both hold; jtag and s3 are equally specific: the earlier wins.
  BOOST_TEST(pick(s3) == "jtag | platform esp32, USB product 'USB JTAG/serial debug unit'");
  s3.usb_product = "CP2102";
  BOOST_TEST(pick(s3) == "s3 | platform esp32, machine ~ /ESP32-?S3/");
  BoardFacts tcp;  // over TCP the USB conditions are skipped
  tcp.platform = "esp32";
  tcp.machine = "ESP32 module";
  BOOST_TEST(pick(tcp) == "jtag | platform esp32");
  tcp.platform = "webassembly";
  BOOST_TEST(pick(tcp) == "generic | platform webassembly, no other profile matches");
}

BOOST_AUTO_TEST_CASE(search_path_order_and_shadowing) {
  TempDir first, second;
  first.write("mine.yaml", "id: esp32\ndescription: mine\n");
  second.write("other.yml", "id: other\n");
  second.write("notes.txt", "not a profile");
  ::setenv("MPYTOOL_PROFILE_PATH", (second.path.string() + ":/nonexistent").c_str(), 1);
  auto dirs = profile_search_path({first.path.string(), "/nonexistent"});
  ::unsetenv("MPYTOOL_PROFILE_PATH");
  BOOST_REQUIRE(dirs.size() >= 2u);
  BOOST_TEST(dirs[0] == fs::weakly_canonical(first.path));
  BOOST_TEST(dirs[1] == fs::weakly_canonical(second.path));
  BOOST_TEST(profile_search_path({first.path.string()}, false).size() == 1u);

  auto profiles = find_profiles({first.path, second.path, kShipped});
  BOOST_TEST(profiles.size() == 26u);  // the 25 shipped ones, esp32 shadowed, and other
  const BoardProfile* esp32 = find_profile_by_id(profiles, "esp32");
  BOOST_REQUIRE(esp32);
  BOOST_TEST(esp32->description == "mine");  // the earlier directory wins
  BOOST_TEST(find_profile_by_id(profiles, "other"));
  BOOST_TEST(!find_profile_by_id(profiles, "nope"));
}

BOOST_AUTO_TEST_CASE(matching_prefers_the_most_specific) {
  std::vector<BoardProfile> profiles = {make("esp32", "esp32"),
                                        make("esp32-s3", "esp32", "ESP32S3"), make("rp2", "rp2"),
                                        make("generic", "")};
  BoardProfile usb = make("pico-usb", "rp2");
  usb.match_usb = {"2e8a:0005"};
  profiles.push_back(usb);

  auto id = [&](std::string_view platform, std::string_view machine, std::string_view usb_id) {
    const BoardProfile* p = match_profile(profiles, platform, machine, usb_id);
    return p ? p->id : std::string("(none)");
  };
  BOOST_TEST(id("esp32", "Generic ESP32 module with ESP32", "") == "esp32");
  BOOST_TEST(id("esp32", "ESP32S3 module with ESP32S3", "") == "esp32-s3");
  BOOST_TEST(id("rp2", "Raspberry Pi Pico with RP2040", "") == "rp2");  // usb unknown: tie
  BOOST_TEST(id("rp2", "Raspberry Pi Pico with RP2040", "2e8a:0005") == "pico-usb");
  BOOST_TEST(id("rp2", "Raspberry Pi Pico with RP2040", "1234:5678") == "rp2");
  BOOST_TEST(id("webassembly", "JS with Emscripten", "") == "generic");

  profiles.pop_back();
  profiles.erase(profiles.begin() + 3);  // no generic: no fallback
  BOOST_TEST(id("webassembly", "", "") == "(none)");

  auto shipped = find_profiles({kShipped});
  BOOST_TEST(match_profile(shipped, "esp32", "Generic ESP32 module with ESP32")->id == "esp32");
  // The catalogue names the Pico by its machine string (profile_catalogue_test has the table).
  BOOST_TEST(match_profile(shipped, "rp2", "Raspberry Pi Pico with RP2040")->id == "pico");
  BOOST_TEST(match_profile(shipped, "rp2", "Custom Board with RP2040", "1234:5678")->id == "rp2");
  BOOST_TEST(match_profile(shipped, "webassembly", "JS with Emscripten")->id == "generic");
}

BOOST_AUTO_TEST_SUITE_END()
