// SPDX-License-Identifier: MIT
// Whether a UF2 file fits the board: the chip's families, its flash, the RP2040's pages.
#include "mpytool/uf2/uf2_target.hpp"

#include <boost/test/unit_test.hpp>

#include "uf2_builder.hpp"

using namespace mpytool::uf2;
using mpytool::test::append;
using mpytool::test::Bytes;
using mpytool::test::image_uf2;
using mpytool::test::uf2_block;

namespace {

const Uf2Target kPico{"RP2040", 2u << 20};
const Uf2Target kPico2{"RP2350", 4u << 20};

Uf2Info info_of(const Bytes& file) { return parse_uf2(file, "fw.uf2"); }

std::string mismatch(const Bytes& file, const Uf2Target& t) {
  return uf2_mismatch(info_of(file), t, "fw.uf2").value_or("");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(uf2_target_test)

BOOST_AUTO_TEST_CASE(chips) {
  BOOST_TEST(families_for_chip("RP2040") == std::vector<std::uint32_t>{kFamilyRp2040});
  BOOST_TEST(
      families_for_chip("rp2350") ==
      (std::vector<std::uint32_t>{kFamilyRp2350ArmS, kFamilyRp2350Riscv, kFamilyRp2350ArmNs}));
  BOOST_TEST(families_for_chip("ESP32").empty());
  BOOST_TEST(chip_from_model("Raspberry Pi RP2") == "RP2040");
  BOOST_TEST(chip_from_model("Raspberry Pi RP2350") == "RP2350");
  BOOST_TEST(chip_from_model("Adafruit Feather") == "");
  BOOST_TEST(size_text(2u << 20) == "2 MiB");
  BOOST_TEST(size_text(512u << 10) == "512 KiB");
  BOOST_TEST(size_text(1000) == "1000 bytes");
}

BOOST_AUTO_TEST_CASE(files_that_fit) {
  BOOST_TEST(mismatch(image_uf2({.size = 1536000}), kPico) == "");
  BOOST_TEST(mismatch(image_uf2({.family = kFamilyRp2350ArmS, .size = 1536000, .e10 = true}),
                      kPico2) == "");
  BOOST_TEST(mismatch(image_uf2({.family = kFamilyRp2350Riscv, .size = 4096}), kPico2) == "");
  // Exactly the whole flash.
  BOOST_TEST(mismatch(image_uf2({.size = 2u << 20}), kPico) == "");
  // A flash size nobody knows: the 16 MiB window.
  BOOST_TEST(mismatch(image_uf2({.size = 4u << 20}), Uf2Target{"RP2040", 0}) == "");
  // A universal file: each chip takes its own family.
  auto both = image_uf2({.size = 4096});
  append(both, image_uf2({.family = kFamilyRp2350ArmS, .size = 4096, .e10 = true}));
  BOOST_TEST(mismatch(both, kPico) == "");
  BOOST_TEST(mismatch(both, kPico2) == "");
  // Data blocks next to the chip's own, an absolute-only file on an RP2350.
  auto with_data = image_uf2({.size = 4096});
  append(with_data, uf2_block(0x2000, 0x10100000, 0, 1, kFamilyData, Bytes(256, 1)));
  BOOST_TEST(mismatch(with_data, kPico) == "");
  BOOST_TEST(mismatch(image_uf2({.family = kFamilyAbsolute, .size = 512}), kPico2) == "");
}

BOOST_AUTO_TEST_CASE(foreign_family) {
  BOOST_TEST(mismatch(image_uf2({.family = kFamilyRp2350ArmS, .size = 4096, .e10 = true}), kPico) ==
             "fw.uf2 is for rp2350-arm-s, the board is an RP2040 (family 0xe48bff56)");
  BOOST_TEST(mismatch(image_uf2({.size = 4096}), kPico2) ==
             "fw.uf2 is for rp2040, the board is an RP2350 (families 0xe48bff59, 0xe48bff5a, "
             "0xe48bff5b)");
  BOOST_TEST(mismatch(image_uf2({.family = 0x1C5F21B0, .size = 512}), Uf2Target{"rp2040", 0}) ==
             "fw.uf2 is for 0x1c5f21b0, the board is an RP2040 (family 0xe48bff56)");
  BOOST_TEST(mismatch(image_uf2({.family = kFamilyAbsolute, .size = 512}), kPico) ==
             "fw.uf2 has no blocks for the RP2040 (family 0xe48bff56), only absolute blocks");
  BOOST_TEST(mismatch(mpytool::test::e10_block(), kPico2) == "fw.uf2 has no blocks to write");
  BOOST_TEST(mismatch(image_uf2({.size = 512}), Uf2Target{"ESP32", 0}) ==
             "the board's chip 'ESP32' is not an RP2040 or RP2350");
}

BOOST_AUTO_TEST_CASE(flash_range) {
  BOOST_TEST(mismatch(image_uf2({.size = 4u << 20}), kPico) ==
             "fw.uf2 writes up to 0x10400000, past the end of the 2 MiB flash (0x10200000)");
  BOOST_TEST(
      mismatch(image_uf2({.base = 0x10F00000, .size = 2u << 20}), Uf2Target{"RP2040", 0}) ==
      "fw.uf2 writes up to 0x11100000, past the end of the 16 MiB flash window (0x11000000)");
  BOOST_TEST(mismatch(image_uf2({.base = 0x20000000, .size = 1024}), kPico) ==
             "fw.uf2 writes at 0x20000000, outside the flash (0x10000000-0x10200000)");
  // With no chip only the range is checked.
  BOOST_TEST(mismatch(image_uf2({.size = 4u << 20}), Uf2Target{"", 2u << 20}) ==
             "fw.uf2 writes up to 0x10400000, past the end of the 2 MiB flash (0x10200000)");
  BOOST_TEST(mismatch(image_uf2({.family = kFamilyRp2350ArmS, .size = 1024}), Uf2Target{"", 0}) ==
             "");
}

BOOST_AUTO_TEST_CASE(rp2040_pages) {
  Bytes file = uf2_block(0x2000, 0x10000000, 0, 2, kFamilyRp2040, Bytes(476, 1));
  append(file, uf2_block(0x2000, 0x100001DC, 1, 2, kFamilyRp2040, Bytes(476, 1)));
  BOOST_TEST(mismatch(file, kPico) ==
             "fw.uf2 has rp2040 blocks that are not 256 bytes at 256-aligned addresses (the "
             "RP2040 bootrom ignores them)");
  Bytes shifted = uf2_block(0x2000, 0x10000080, 0, 1, kFamilyRp2040, Bytes(256, 1));
  BOOST_TEST(mismatch(shifted, kPico) != "");
}

BOOST_AUTO_TEST_SUITE_END()
