// SPDX-License-Identifier: MIT
// UF2 files: the block checks, families, ranges and the MicroPython version in the image.
#include "mpytool/uf2/uf2_file.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

#include "mpytool/base/error.hpp"
#include "uf2_builder.hpp"

using namespace mpytool::uf2;
using mpytool::test::append;
using mpytool::test::Bytes;
using mpytool::test::e10_block;
using mpytool::test::image_uf2;
using mpytool::test::ImageSpec;
using mpytool::test::put32;
using mpytool::test::uf2_block;

namespace {

// The message parse_uf2 throws for \p file, or "" when it parses.
std::string error_of(const Bytes& file) {
  try {
    parse_uf2(file, "fw.uf2");
  } catch (const mpytool::UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(uf2_file_test)

BOOST_AUTO_TEST_CASE(family_names) {
  BOOST_TEST(family_name(kFamilyRp2040) == "rp2040");
  BOOST_TEST(family_name(kFamilyRp2350ArmS) == "rp2350-arm-s");
  BOOST_TEST(family_name(kFamilyRp2350Riscv) == "rp2350-riscv");
  BOOST_TEST(family_name(kFamilyRp2350ArmNs) == "rp2350-arm-ns");
  BOOST_TEST(family_name(kFamilyAbsolute) == "absolute");
  BOOST_TEST(family_name(kFamilyData) == "data");
  BOOST_TEST(family_name(0x1C5F21B0) == "0x1c5f21b0");
}

BOOST_AUTO_TEST_CASE(rp2040_image) {
  const auto file = image_uf2({.size = 4096});
  BOOST_TEST(looks_like_uf2(file));
  const auto info = parse_uf2(file, "fw.uf2");
  BOOST_TEST(info.blocks == 16u);
  BOOST_REQUIRE(info.families.size() == 1u);
  const auto& f = info.families[0];
  BOOST_TEST(f.id == kFamilyRp2040);
  BOOST_TEST(f.name == "rp2040");
  BOOST_TEST(f.blocks == 16u);
  BOOST_TEST(f.ignored == 0u);
  BOOST_TEST(f.first == 0x10000000u);
  BOOST_TEST(f.end == 0x10001000u);
  BOOST_TEST(f.payload == 4096u);
  BOOST_TEST(f.page_aligned);
  BOOST_TEST(info.addr_min == 0x10000000u);
  BOOST_TEST(info.addr_end == 0x10001000u);
  BOOST_TEST(info.payload_bytes == 4096u);
  // The banner crosses the boundary of blocks 3 and 4: found in the concatenated payloads.
  BOOST_TEST(info.micropython_version == "v1.28.0");
  BOOST_TEST(info.micropython_banner ==
             "MicroPython v1.28.0 on 2026-10-01; Raspberry Pi Pico with RP2040");
}

BOOST_AUTO_TEST_CASE(rp2350_image_with_the_e10_block) {
  ImageSpec s{.family = kFamilyRp2350ArmS, .size = 2048, .e10 = true};
  s.text = "MicroPython v1.28.0-preview.5.g1234abcd on 2026-10-01; Raspberry Pi Pico2 with RP2350";
  const auto file = image_uf2(s);
  BOOST_TEST(is_ignored_block(std::span(file).first(512)));
  const auto info = parse_uf2(file, "fw.uf2");
  BOOST_TEST(info.blocks == 9u);
  BOOST_REQUIRE(info.families.size() == 2u);
  BOOST_TEST(info.families[0].name == "absolute");
  BOOST_TEST(info.families[0].blocks == 1u);
  BOOST_TEST(info.families[0].ignored == 1u);
  BOOST_TEST(info.families[0].first == 0u);
  BOOST_TEST(info.families[0].end == 0u);
  BOOST_TEST(info.families[1].name == "rp2350-arm-s");
  BOOST_TEST(info.families[1].blocks == 8u);
  // The ignored block at 0x10FFFF00 is not part of the range.
  BOOST_TEST(info.addr_min == 0x10000000u);
  BOOST_TEST(info.addr_end == 0x10000800u);
  BOOST_TEST(info.payload_bytes == 2048u);
  BOOST_TEST(info.micropython_version == "v1.28.0-preview.5.g1234abcd");
}

BOOST_AUTO_TEST_CASE(e10_block_without_its_tag_is_recognised) {
  BOOST_TEST(is_ignored_block(e10_block(false)));
  BOOST_TEST(is_ignored_block(e10_block(true)));
  // An ordinary absolute block (block 0 of 1) is written, not ignored.
  auto abs = uf2_block(0x2000, 0x10000000, 0, 1, kFamilyAbsolute, Bytes(256, 0xEF));
  BOOST_TEST(!is_ignored_block(abs));
  const auto info = parse_uf2(abs, "fw.uf2");
  BOOST_TEST(info.families[0].ignored == 0u);
  BOOST_TEST(info.addr_end == 0x10000100u);
}

BOOST_AUTO_TEST_CASE(no_version) {
  const auto info = parse_uf2(image_uf2({.size = 1024, .text = ""}), "fw.uf2");
  BOOST_TEST(info.micropython_version == "");
  BOOST_TEST(info.micropython_banner == "");
  BOOST_TEST(version_from_banner("MicroPython v1.22.2; Raspberry Pi Pico") == "v1.22.2");
  BOOST_TEST(version_from_banner("CircuitPython 9") == "");
}

BOOST_AUTO_TEST_CASE(not_main_flash_blocks_count_but_stay_out_of_ranges) {
  Bytes file;
  append(file, uf2_block(0x2000, 0x10000000, 0, 2, kFamilyRp2040, Bytes(256, 1)));
  append(file, uf2_block(0x2001, 0x20000000, 1, 2, kFamilyRp2040, Bytes(256, 1)));
  const auto info = parse_uf2(file, "fw.uf2");
  BOOST_TEST(info.families[0].blocks == 2u);
  BOOST_TEST(info.addr_end == 0x10000100u);
  BOOST_TEST(info.payload_bytes == 256u);
}

BOOST_AUTO_TEST_CASE(rp2040_pages) {
  Bytes file = uf2_block(0x2000, 0x10000000, 0, 2, kFamilyRp2040, Bytes(476, 1));
  append(file, uf2_block(0x2000, 0x100001DC, 1, 2, kFamilyRp2040, Bytes(476, 1)));
  const auto info = parse_uf2(file, "fw.uf2");
  BOOST_TEST(!info.families[0].page_aligned);
  BOOST_TEST(info.addr_end == 0x100003B8u);
}

BOOST_AUTO_TEST_CASE(blocks_without_a_family_id) {
  const auto info = parse_uf2(uf2_block(0, 0x10000000, 0, 1, 123456, Bytes(256, 1)), "fw.uf2");
  BOOST_TEST(info.families[0].id == 0u);
  BOOST_TEST(info.families[0].name == "no family id");
}

BOOST_AUTO_TEST_CASE(bad_files) {
  BOOST_TEST(error_of({}) == "fw.uf2: empty file (not a UF2 file)");
  BOOST_TEST(error_of(Bytes(1024, 0)) == "fw.uf2: not a UF2 file (no UF2 magic at its start)");
  BOOST_TEST(!looks_like_uf2(Bytes(1024, 0)));

  auto good = image_uf2({.size = 4096});
  auto truncated = good;
  truncated.resize(1000);
  BOOST_TEST(error_of(truncated) == "fw.uf2: 1000 bytes is not a multiple of 512 (UF2 blocks)");

  auto bad_end = good;
  put32(bad_end, 7 * 512 + 508, 0);
  BOOST_TEST(error_of(bad_end) == "fw.uf2: block 7: bad end magic");

  auto bad_start = good;
  put32(bad_start, 3 * 512 + 4, 0);
  BOOST_TEST(error_of(bad_start) == "fw.uf2: block 3: bad start magic");

  auto big = good;
  put32(big, 2 * 512 + 16, 477);
  BOOST_TEST(error_of(big) == "fw.uf2: block 2: payload of 477 bytes (at most 476)");

  auto out_of_range = good;
  put32(out_of_range, 5 * 512 + 20, 16);
  BOOST_TEST(error_of(out_of_range) == "fw.uf2: block 5: block number 16 of 16");

  auto recount = good;
  put32(recount, 5 * 512 + 24, 17);
  BOOST_TEST(error_of(recount) ==
             "fw.uf2: block 5: family rp2040 counts 17 blocks, block 0 counted 16");

  auto repeat = good;
  put32(repeat, 5 * 512 + 20, 4);
  BOOST_TEST(error_of(repeat) == "fw.uf2: block 5: family rp2040 repeats block number 4");
}

BOOST_AUTO_TEST_CASE(missing_blocks) {
  auto file = image_uf2({.size = 120 * 256});
  file.resize(117 * 512);  // cut at a block boundary: the size is fine, the family is not
  BOOST_TEST(error_of(file) == "fw.uf2: family rp2040: 3 of 120 blocks missing (truncated file?)");
  // One block taken out of the middle.
  auto holed = image_uf2({.size = 16 * 256});
  holed.erase(holed.begin() + 4 * 512, holed.begin() + 5 * 512);
  BOOST_TEST(error_of(holed) == "fw.uf2: family rp2040: 1 of 16 blocks missing (truncated file?)");
  // A count far larger than the file.
  auto huge = uf2_block(0x2000, 0x10000000, 0, 0xFFFFFFFF, kFamilyRp2040, Bytes(256, 1));
  BOOST_TEST(error_of(huge) ==
             "fw.uf2: family rp2040: 4294967294 of 4294967295 blocks missing (truncated file?)");
}

BOOST_AUTO_TEST_CASE(two_families_numbered_apart) {
  auto file = image_uf2({.size = 1024});
  append(file, image_uf2({.family = kFamilyRp2350ArmS, .size = 512, .text = ""}));
  const auto info = parse_uf2(file, "fw.uf2");
  BOOST_REQUIRE(info.families.size() == 2u);
  BOOST_TEST(info.families[0].blocks == 4u);
  BOOST_TEST(info.families[1].blocks == 2u);
  BOOST_TEST(info.payload_bytes == 1536u);
}

BOOST_AUTO_TEST_CASE(read_block_fields) {
  const auto file = image_uf2({.size = 1024});
  const auto b = read_block(file, 512);
  BOOST_TEST(b.flags == 0x2000u);
  BOOST_TEST(b.target == 0x10000100u);
  BOOST_TEST(b.payload_size == 256u);
  BOOST_TEST(b.block_no == 1u);
  BOOST_TEST(b.num_blocks == 4u);
  BOOST_TEST(b.family == kFamilyRp2040);
  BOOST_TEST(b.offset == 512u);
}

BOOST_AUTO_TEST_SUITE_END()
