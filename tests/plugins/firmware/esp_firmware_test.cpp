// SPDX-License-Identifier: MIT
// The firmware plugin's host side: merged and app images told apart and verified, and the guards
// that refuse an image the board cannot take (another chip, the wrong offset, too large) before
// a byte is written; the profile's `firmware:` section read and checked.
#include <boost/test/unit_test.hpp>
#include <string>

#include "mpytool/base/error.hpp"
#include "mpytool/firmware/esp_firmware_file.hpp"
#include "mpytool/firmware/esp_flasher.hpp"
#include "mpytool/firmware/firmware_settings.hpp"

using namespace mpytool;
using namespace mpytool::firmware;

namespace {

void put32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

/// An image without the appended hash: header, one or two segments, checksum. With \p app, the
/// first segment is an esp_app_desc_t saying \p version.
std::string image(std::uint16_t chip, bool app, const std::string& version = "v1.28.0") {
  std::string img = "\xe9";
  img += app ? '\x02' : '\x01';
  img += "\x02\x20";  // DIO, 4 MB at 40 MHz
  put32(img, 0x40080400);
  img += std::string("\xee\0\0\0", 4);
  img += static_cast<char>(chip & 0xFF);
  img += static_cast<char>(chip >> 8);
  img += std::string(10, '\0');
  std::uint8_t sum = 0xEF;
  auto segment = [&](std::uint32_t addr, const std::string& data) {
    put32(img, addr);
    put32(img, static_cast<std::uint32_t>(data.size()));
    img += data;
    for (char c : data) sum ^= static_cast<std::uint8_t>(c);
  };
  if (app) {
    std::string desc(256, '\0');
    desc.replace(0, 4, "\x32\x54\xcd\xab", 4);
    desc.replace(16, version.size(), version);
    desc.replace(48, 11, "micropython");
    segment(0x3f400020, desc);
  }
  std::string code(2000, '\0');
  for (std::size_t i = 0; i < code.size(); ++i) code[i] = static_cast<char>(i * 13 + 5);
  segment(0x40080000, code);
  img += std::string(15 - img.size() % 16, '\0');
  img += static_cast<char>(sum);
  return img;
}

std::string row(int type, int subtype, std::uint32_t offset, std::uint32_t size,
                const std::string& label) {
  std::string r = "\xaa\x50";
  r += static_cast<char>(type);
  r += static_cast<char>(subtype);
  put32(r, offset);
  put32(r, size);
  r += label + std::string(16 - label.size(), '\0');
  put32(r, 0);
  return r;
}

/// A merged file starting at \p base: bootloader, table at 0x8000, app at 0x10000.
std::string merged(std::uint16_t chip, std::uint32_t base) {
  std::string f = image(chip, false);
  f.resize(0x8000 - base, '\xff');
  f += row(1, 2, 0x9000, 0x6000, "nvs") + row(0, 0, 0x10000, 0x1F0000, "factory");
  f += std::string("\xeb\xeb", 2) + std::string(30, '\xff');
  f.resize(0x10000 - base, '\xff');
  f += image(chip, true);
  return f;
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

BOOST_AUTO_TEST_SUITE(esp_firmware_test)

BOOST_AUTO_TEST_CASE(merged_and_app_images) {
  const EspFirmwareFile m = read_esp_firmware(merged(0, 0x1000), "fw.bin");
  BOOST_TEST((m.kind == EspFirmwareFile::Kind::kMerged));
  BOOST_TEST(*m.base == 0x1000u);
  BOOST_TEST(m.chip_id == 0);
  BOOST_TEST(m.partitions.size() == 2u);
  BOOST_TEST(m.partitions[1].label == "factory");
  BOOST_TEST(m.app_flash_offset == 0x10000u);
  BOOST_TEST(m.app_file_offset == 0xF000u);
  BOOST_TEST(m.app.desc->version == "v1.28.0");
  BOOST_TEST(m.flash.mode_name == "dio");
  BOOST_TEST(m.flash.size_name == "4MB");
  BOOST_TEST(m.flash.freq_name == "40m");
  // An ESP32-S3 lays its merged file out from 0x0.
  const EspFirmwareFile s3 = read_esp_firmware(merged(9, 0), "s3.bin");
  BOOST_TEST(*s3.base == 0u);
  BOOST_TEST(s3.app_file_offset == 0x10000u);
  const EspFirmwareFile app = read_esp_firmware(image(0, true), "app.bin");
  BOOST_TEST((app.kind == EspFirmwareFile::Kind::kApp));
  BOOST_TEST(!app.base.has_value());
}

BOOST_AUTO_TEST_CASE(files_that_are_neither_are_refused) {
  BOOST_TEST(error_of([] {
               read_esp_firmware(image(0, false), "boot.bin");
             }).find("boot.bin: an ESP image without an app description") == 0);
  BOOST_TEST(error_of([] { read_esp_firmware("UF2\nWQ]\x9e", "x.uf2"); }).find("a UF2 file") !=
             std::string::npos);
  BOOST_TEST(error_of([] { read_esp_firmware("hello", "x.bin"); }).find("x.bin: not an ESP") == 0);
  std::string damaged = merged(0, 0x1000);
  damaged[0xF000 + 300] ^= 1;  // a byte of the app
  BOOST_TEST(error_of([&] { read_esp_firmware(damaged, "fw.bin"); }).find("checksum") !=
             std::string::npos);
  std::string mixed = merged(0, 0x1000);
  mixed.replace(0xF000, image(9, true).size(), image(9, true));
  BOOST_TEST(error_of([&] { read_esp_firmware(mixed, "fw.bin"); }) ==
             "fw.bin: the bootloader is for ESP32 but the app for ESP32-S3");
  BOOST_TEST(error_of([&] {
               read_esp_firmware(merged(0, 0x1000).substr(0, 0xF010), "t.bin");
             }).find("t.bin (app): ") == 0);
}

BOOST_AUTO_TEST_CASE(guards) {
  const FirmwareSettings none;
  const auto m = read_esp_firmware(merged(0, 0x1000), "fw.bin");
  const auto app = read_esp_firmware(image(0, true), "app.bin");
  const std::uint32_t mb4 = 4u << 20;
  BOOST_TEST(check_image(m, 0, 0x1000, mb4, none, std::nullopt, false, "fw.bin") == 0x1000u);
  BOOST_TEST(check_image(app, 0, 0x1000, mb4, none, std::nullopt, false, "app.bin") == 0x10000u);
  FirmwareSettings moved;
  moved.app_offset = 0x20000;
  BOOST_TEST(check_image(app, 0, 0x1000, mb4, moved, std::nullopt, false, "a") == 0x20000u);
  auto refused = [&](const EspFirmwareFile& f, std::uint16_t chip, std::uint32_t boot,
                     std::uint32_t flash, std::optional<std::uint32_t> at, bool force) {
    return error_of([&] { check_image(f, chip, boot, flash, none, at, force, "f"); });
  };
  BOOST_TEST(refused(m, 9, 0, mb4, std::nullopt, false) ==
             "f: an image for ESP32, but the board is an ESP32-S3");
  BOOST_TEST(refused(m, 0, 0x1000, mb4, 0x10000, false)
                 .find("f: a merged image (bootloader, partition table, app) at the app offset") ==
             0);
  BOOST_TEST(refused(app, 0, 0x1000, mb4, 0x1000, false)
                 .find("f: an app image at the bootloader offset 0x1000") == 0);
  BOOST_TEST(refused(m, 0, 0x1000, 0x10000, std::nullopt, false)
                 .find("at 0x1000 does not fit the board's 64 KB flash") != std::string::npos);
  BOOST_TEST(refused(app, 0, 0x1000, mb4, 0x10800, true) ==
             "f: offset 0x10800 is not a multiple of 4 KB");  // --force does not help there
  // An ESP32 merged file on a chip whose bootloader is at 0x0 (with --force past the chip).
  BOOST_TEST(refused(m, 0, 0x0, mb4, std::nullopt, false).find("laid out from 0x1000") !=
             std::string::npos);
  BOOST_TEST(refused(m, 9, 0x1000, mb4, std::nullopt, true).empty());  // forced
  FirmwareSettings table;
  table.partition_table_offset = 0x9000;
  BOOST_TEST(error_of([&] { check_image(m, 0, 0x1000, mb4, table, std::nullopt, false, "f"); }) ==
             "f: a merged image with its partition table at 0x8000, but the board's layout has "
             "it at 0x9000");
  try {
    check_image(m, 9, 0x1000, mb4, none, std::nullopt, false, "f");
    BOOST_FAIL("no error");
  } catch (const GuardError& e) {
    BOOST_TEST(e.hint() == "--force writes it anyway");
  }
}

BOOST_AUTO_TEST_CASE(profile_settings) {
  BoardProfile p;
  p.id = "x";
  p.settings = {{"firmware.chip", "ESP32-S3"},
                {"firmware.bootloader_offset", "0x0"},
                {"firmware.app_offset", "0x20000"},
                {"firmware.baud", "921600"},
                {"firmware.block_size", "0x800"}};
  p.bootloader_sequences = {bootloader_reset_sequence()};
  const FirmwareSettings s = firmware_settings(&p);
  BOOST_TEST(s.chip == "ESP32-S3");
  BOOST_TEST(*s.bootloader_offset == 0u);
  BOOST_TEST(*s.app_offset == 0x20000u);
  BOOST_TEST(*s.baud == 921600);
  BOOST_TEST(*s.block_size == 0x800u);
  BOOST_TEST(s.bootloader_sequences.size() == 1u);
  p.settings["firmware.speed"] = "1";
  BOOST_TEST(error_of([&] { firmware_settings(&p); }) ==
             "profile 'x': firmware.speed: unknown key");
  p.settings.erase("firmware.speed");
  p.settings["firmware.app_offset"] = "0x10800";
  BOOST_TEST(error_of([&] { firmware_settings(&p); }) ==
             "profile 'x': firmware.app_offset: 0x10800 is not a multiple of 4 KB");
  p.settings["firmware.app_offset"] = "lots";
  BOOST_TEST(error_of([&] { firmware_settings(&p); }) ==
             "profile 'x': firmware.app_offset: expected a number, got 'lots'");
  std::vector<BoardProfile> all(1, p);
  BOOST_TEST(profile_for_chip(all, "esp32s3") == &all[0]);
  BOOST_TEST(profile_for_chip(all, "ESP32") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
