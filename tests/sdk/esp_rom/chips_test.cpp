// SPDX-License-Identifier: MIT
// The chip table: lookups by chip id, magic word and name; bootloader offsets; flash sizes.
#include "mpytool/esp_rom/chips.hpp"

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

using namespace mpytool::esp_rom;

BOOST_AUTO_TEST_SUITE(chips_test)

BOOST_AUTO_TEST_CASE(lookups) {
  BOOST_TEST(chip_by_id(0)->name == "ESP32");
  BOOST_TEST(chip_by_id(9)->name == "ESP32-S3");
  BOOST_TEST(chip_by_id(13)->name == "ESP32-C6");
  BOOST_TEST(chip_by_id(99) == nullptr);
  BOOST_TEST(chip_by_magic(0x00F01D83)->name == "ESP32");
  BOOST_TEST(chip_by_magic(0x000007C6)->name == "ESP32-S2");
  BOOST_TEST(chip_by_magic(0x1B31506F)->name == "ESP32-C3");
  BOOST_TEST(chip_by_magic(kEsp8266Magic) == nullptr);
  BOOST_TEST(chip_by_magic(0) == nullptr);
  BOOST_TEST(chip_by_name("esp32s3")->chip_id == 9);
  BOOST_TEST(chip_by_name("ESP32-C3")->chip_id == 5);
  BOOST_TEST(chip_by_name("esp8266") == nullptr);
}

BOOST_AUTO_TEST_CASE(table_facts) {
  BOOST_TEST(chip_by_name("esp32")->bootloader_offset == 0x1000u);
  BOOST_TEST(chip_by_name("esp32s2")->bootloader_offset == 0x1000u);
  for (auto n : {"esp32s3", "esp32c3", "esp32c6", "esp32c2", "esp32h2"})
    BOOST_TEST(chip_by_name(n)->bootloader_offset == 0u, n);
  BOOST_TEST(chip_by_name("esp32p4")->bootloader_offset == 0x2000u);
  BOOST_TEST(chip_by_name("esp32c5")->bootloader_offset == 0x2000u);
  BOOST_TEST(!chip_by_name("esp32")->begin_has_encrypted_word);
  BOOST_TEST(chip_by_name("esp32s3")->begin_has_encrypted_word);
  std::set<unsigned> ids;
  for (const auto& c : all_chips()) {
    BOOST_TEST(ids.insert(c.chip_id).second, c.name);
    BOOST_TEST(c.spi.base != 0u, c.name);
    BOOST_TEST(c.mac_lo != 0u, c.name);
  }
}

BOOST_AUTO_TEST_CASE(flash_sizes) {
  BOOST_TEST(flash_size_from_id(0x1640EF) == 4u << 20);
  BOOST_TEST(flash_size_from_id(0x1840C8) == 16u << 20);
  BOOST_TEST(flash_size_from_id(0x0000FF) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
