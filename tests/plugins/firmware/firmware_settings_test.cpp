// SPDX-License-Identifier: MIT
// The profile's `firmware:` section as the firmware plugin reads it: the RP2 keys (flash size,
// the 1200-baud touch, the BOOTSEL USB id), the chip names it accepts, the list of keys it reads,
// and errors that name the profile's file and the key.
#include "mpytool/firmware/firmware_settings.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <map>
#include <string>

#include "mpytool/base/error.hpp"

using namespace mpytool;
using namespace mpytool::firmware;

namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const MpyError& e) {
    return e.what();
  }
  return "";
}

BoardProfile rp2040_profile() {
  BoardProfile p;
  p.id = "pico";
  p.settings = {{"firmware.chip", "RP2040"},
                {"firmware.flash_size", "0x200000"},
                {"firmware.touch_1200", "no"},
                {"firmware.boot_usb", "2E8A:0003"}};
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(firmware_settings_test)

BOOST_AUTO_TEST_CASE(rp2_keys_are_read) {
  BoardProfile p = rp2040_profile();
  FirmwareSettings s = firmware_settings(&p);
  BOOST_TEST(s.chip == "RP2040");
  BOOST_TEST(s.flash_size.value_or(0) == 0x200000u);
  BOOST_TEST(!s.touch_1200);
  BOOST_TEST(s.boot_usb == "2e8a:0003");  // lower case, like match.usb
  p.settings["firmware.touch_1200"] = "yes";
  p.settings["firmware.flash_size"] = "4194304";  // decimal as well
  p.settings["firmware.chip"] = "RP2350";
  s = firmware_settings(&p);
  BOOST_TEST(s.touch_1200);
  BOOST_TEST(s.flash_size.value_or(0) == 0x400000u);
  BOOST_TEST(s.chip == "RP2350");
  // Unset: no flash size, no touch, no boot id.
  BoardProfile none;
  none.id = "x";
  s = firmware_settings(&none);
  BOOST_TEST(!s.flash_size.has_value());
  BOOST_TEST(!s.touch_1200);
  BOOST_TEST(s.boot_usb.empty());
}

BOOST_AUTO_TEST_CASE(bad_values_name_the_file_and_the_key) {
  BoardProfile p = rp2040_profile();
  p.path = "/profiles/pico.yaml";
  p.settings["firmware.touch_1200"] = "maybe";
  BOOST_TEST(error_of([&] { firmware_settings(&p); }) ==
             "profile '/profiles/pico.yaml': firmware.touch_1200: expected yes or no, got 'maybe'");
  p = rp2040_profile();
  p.path = "/profiles/pico.yaml";
  p.settings["firmware.boot_usb"] = "2e8a-0003";
  BOOST_TEST(error_of([&] { firmware_settings(&p); }) ==
             "profile '/profiles/pico.yaml': firmware.boot_usb: expected \"vvvv:pppp\" (hex), got "
             "'2e8a-0003'");
  p.settings["firmware.boot_usb"] = "2e8a:000g";
  BOOST_TEST(!error_of([&] { firmware_settings(&p); }).empty());
  p = rp2040_profile();
  p.settings["firmware.flash_size"] = "0x200100";
  BOOST_TEST(error_of([&] { firmware_settings(&p); }) ==
             "profile 'pico': firmware.flash_size: 0x200100 is not a multiple of 4 KB");
  p.settings["firmware.flash_size"] = "0";
  BOOST_TEST(!error_of([&] { firmware_settings(&p); }).empty());
  p.settings["firmware.flash_size"] = "2 MiB";
  BOOST_TEST(error_of([&] { firmware_settings(&p); }) ==
             "profile 'pico': firmware.flash_size: expected a number, got '2 MiB'");
  p = rp2040_profile();
  p.settings["firmware.chip"] = "RP2O40";
  BOOST_TEST(error_of([&] {
               firmware_settings(&p);
             }).starts_with("profile 'pico': firmware.chip: unknown chip 'RP2O40'"));
  p.settings["firmware.chip"] = "esp32s3";  // esp_rom's names, as before
  BOOST_TEST(firmware_settings(&p).chip == "esp32s3");
  p = rp2040_profile();
  p.path = "/profiles/pico.yaml";
  p.settings["firmware.flash"] = "0x200000";
  BOOST_TEST(error_of([&] { firmware_settings(&p); }) ==
             "profile '/profiles/pico.yaml': firmware.flash: unknown key");
}

BOOST_AUTO_TEST_CASE(the_declared_keys_are_the_keys_read) {
  const auto& keys = firmware_setting_keys();
  for (const char* k : {"chip", "bootloader_offset", "partition_table_offset", "app_offset", "baud",
                        "block_size", "flash_size", "touch_1200", "boot_usb"}) {
    BOOST_TEST((std::find(keys.begin(), keys.end(), k) != keys.end()), k);
  }
  BOOST_TEST(keys.size() == 9u);
  // Each declared key is accepted (no "unknown key") with a value of its kind.
  const std::map<std::string, std::string> sample = {{"chip", "ESP32"},
                                                     {"bootloader_offset", "0x1000"},
                                                     {"partition_table_offset", "0x8000"},
                                                     {"app_offset", "0x10000"},
                                                     {"baud", "460800"},
                                                     {"block_size", "0x400"},
                                                     {"flash_size", "0x200000"},
                                                     {"touch_1200", "no"},
                                                     {"boot_usb", "2e8a:0003"}};
  for (const auto& k : keys) {
    BoardProfile p;
    p.id = "one";
    BOOST_REQUIRE(sample.contains(k));
    p.settings["firmware." + k] = sample.at(k);
    BOOST_TEST(error_of([&] { firmware_settings(&p); }).empty(), k);
  }
}

BOOST_AUTO_TEST_SUITE_END()
