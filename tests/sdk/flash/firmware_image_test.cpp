// SPDX-License-Identifier: MIT
// ESP app image verification against images built here byte by byte (header, extended header,
// segments, 16-byte padding, XOR checksum, appended SHA-256, esp_app_desc_t): good ones parse,
// every truncation and every damaged byte is refused with a one-line reason, hostile headers
// (huge lengths, no segments, too many) never read outside the file; UF2 detection, chip ids.
#include "mpytool/flash/firmware_image.hpp"

#include <openssl/evp.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <string>

namespace {

void put32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

void put_text(std::string& s, std::size_t at, const std::string& t) {
  std::memcpy(s.data() + at, t.data(), t.size());
}

// An image as esptool's elf2image lays it out, with an app description in segment 0.
std::string make_image(std::uint16_t chip, bool hash, std::size_t seg1 = 1000) {
  std::string img;
  img += '\xe9';
  img += '\x02';  // two segments
  img += '\x02';  // DIO
  img += '\x20';
  put32(img, 0x40081234);
  img += '\xee';
  img += std::string(3, '\0');
  img += static_cast<char>(chip & 0xFF);
  img += static_cast<char>(chip >> 8);
  img += std::string(9, '\0');
  img += hash ? '\x01' : '\x00';
  BOOST_REQUIRE(img.size() == 24u);
  std::string desc(256, '\0');
  put32(desc, 0);
  desc.replace(0, 4, "\x32\x54\xcd\xab", 4);
  put_text(desc, 4, "\x03\x00\x00\x00");
  put_text(desc, 16, "v1.27.0");
  put_text(desc, 48, "micropython");
  put_text(desc, 80, "12:00:00");
  put_text(desc, 96, "Dec  1 2026");
  put_text(desc, 112, "v5.2.2");
  put32(img, 0x3f400020);
  put32(img, static_cast<std::uint32_t>(desc.size()));
  img += desc;
  std::string code(seg1, '\0');
  for (std::size_t i = 0; i < code.size(); ++i) code[i] = static_cast<char>(i * 31 + 7);
  put32(img, 0x40080000);
  put32(img, static_cast<std::uint32_t>(code.size()));
  img += code;
  std::uint8_t sum = 0xEF;
  for (char c : desc) sum ^= static_cast<std::uint8_t>(c);
  for (char c : code) sum ^= static_cast<std::uint8_t>(c);
  img += std::string(15 - img.size() % 16, '\0');
  img += static_cast<char>(sum);
  if (hash) {
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(img.data(), img.size(), md, &n, EVP_sha256(), nullptr);
    img.append(reinterpret_cast<const char*>(md), 32);
  }
  return img;
}

bool message_has(const mpytool::ImageError& e, const std::string& part) {
  return std::string(e.what()).find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(firmware_image_test)

BOOST_AUTO_TEST_CASE(good_image_with_hash_and_description) {
  const std::string data = make_image(9, true) + std::string(300, '\xff');  // flash padding
  const auto img = mpytool::parse_esp_app_image(data, "app.bin");
  BOOST_TEST(img.chip_id == 9);
  BOOST_TEST(mpytool::esp_chip_name(img.chip_id) == "ESP32-S3");
  BOOST_TEST(img.entry == 0x40081234u);
  BOOST_TEST(img.segments.size() == 2u);
  BOOST_TEST(img.segments[0].offset == 32u);
  BOOST_TEST(img.hash_appended);
  BOOST_TEST(img.size == data.size() - 300);
  BOOST_TEST(img.size % 16 == 0u);
  BOOST_TEST_REQUIRE(img.desc.has_value());
  BOOST_TEST(img.desc->project_name == "micropython");
  BOOST_TEST(img.desc->version == "v1.27.0");
  BOOST_TEST(img.desc->idf_version == "v5.2.2");
  BOOST_TEST(img.desc->date == "Dec  1 2026");
  BOOST_TEST(img.desc->secure_version == 3u);
}

BOOST_AUTO_TEST_CASE(good_image_without_hash) {
  for (std::size_t seg1 : {0u, 1u, 15u, 16u, 4077u}) {
    const auto img = mpytool::parse_esp_app_image(make_image(0, false, seg1));
    BOOST_TEST(!img.hash_appended);
    BOOST_TEST(img.size % 16 == 0u);
  }
}

BOOST_AUTO_TEST_CASE(every_truncation_is_refused) {
  const std::string data = make_image(0, true);
  for (std::size_t n = 0; n < data.size(); ++n) {
    BOOST_CHECK_THROW(mpytool::parse_esp_app_image(data.substr(0, n)), mpytool::ImageError);
  }
}

BOOST_AUTO_TEST_CASE(damaged_bytes_are_refused) {
  const std::string data = make_image(0, true);
  // Any flipped byte in the segments' data, the checksum or the hash is caught.
  for (std::size_t i = 32; i < data.size(); i += 37) {
    std::string bad = data;
    bad[i] = static_cast<char>(bad[i] ^ 0x40);
    BOOST_CHECK_THROW(mpytool::parse_esp_app_image(bad), mpytool::ImageError);
  }
  std::string wrong_magic = data;
  wrong_magic[0] = 'E';
  try {
    mpytool::parse_esp_app_image(wrong_magic, "fw.bin");
    BOOST_FAIL("accepted");
  } catch (const mpytool::ImageError& e) {
    BOOST_TEST(message_has(e, "fw.bin: not an ESP app image (first byte 0x45, expected 0xe9)"),
               e.what());
  }
}

BOOST_AUTO_TEST_CASE(hostile_headers) {
  std::string data = make_image(0, false);
  std::string huge = data;
  huge.replace(28, 4, "\xff\xff\xff\xff", 4);  // segment 0 claims 4 GB
  BOOST_CHECK_THROW(mpytool::parse_esp_app_image(huge), mpytool::ImageError);
  std::string none = data;
  none[1] = 0;
  BOOST_CHECK_THROW(mpytool::parse_esp_app_image(none), mpytool::ImageError);
  std::string many = data;
  many[1] = static_cast<char>(200);
  BOOST_CHECK_THROW(mpytool::parse_esp_app_image(many), mpytool::ImageError);
  // A hash flag on an image without a hash: the hash is "missing".
  std::string flag = data;
  flag[23] = 1;
  BOOST_CHECK_THROW(mpytool::parse_esp_app_image(flag), mpytool::ImageError);
}

BOOST_AUTO_TEST_CASE(uf2_and_chip_names) {
  std::string uf2 = "UF2\n";
  uf2 += "\x57\x51\x5d\x9e";
  uf2 += std::string(504, '\0');
  BOOST_TEST(mpytool::is_uf2(uf2));
  BOOST_TEST(!mpytool::is_uf2(make_image(0, false)));
  BOOST_TEST(mpytool::esp_chip_from_machine("Generic ESP32 module with ESP32").value_or(99) == 0);
  BOOST_TEST(mpytool::esp_chip_from_machine("Generic ESP32S3 module with ESP32S3").value_or(99) ==
             9);
  BOOST_TEST(mpytool::esp_chip_from_machine("ESP32C3 module with ESP32C3").value_or(99) == 5);
  BOOST_TEST(!mpytool::esp_chip_from_machine("Raspberry Pi Pico with RP2040").has_value());
  BOOST_TEST(mpytool::esp_chip_name(0x77) == "chip 0x0077");
}

BOOST_AUTO_TEST_SUITE_END()
