// SPDX-License-Identifier: MIT
// The ROM loader's packets: requests laid out as the protocol says, the *_DATA checksum,
// responses with 4 (ROM) and 2 (stub) status bytes, failures named, malformed packets refused.
#include "mpytool/esp_rom/packet.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace mpytool::esp_rom;
using namespace std::string_literals;

BOOST_AUTO_TEST_SUITE(packet_test)

BOOST_AUTO_TEST_CASE(checksum_seed_and_xor) {
  BOOST_TEST(rom_checksum("") == 0xEFu);
  BOOST_TEST(rom_checksum("\x01\x02"s) == (0xEFu ^ 0x01 ^ 0x02));
  BOOST_TEST(rom_checksum(std::string(1024, '\xFF')) == 0xEFu);  // an even count cancels
}

BOOST_AUTO_TEST_CASE(request_layout) {
  auto r = make_request(RomOp::kReadReg, "\x00\x10\x00\x40"s, 0x12345678);
  BOOST_TEST(r == "\x00\x0A\x04\x00\x78\x56\x34\x12\x00\x10\x00\x40"s);
}

BOOST_AUTO_TEST_CASE(response_with_four_status_bytes) {
  // An ESP32 ROM's reply to SYNC: value 0x20120707, status ok, 2 unused bytes.
  auto r = parse_response("\x01\x08\x04\x00\x07\x07\x12\x20\x00\x00\x00\x00"s);
  BOOST_TEST((r.op == RomOp::kSync));
  BOOST_TEST(r.value == 0x20120707u);
  BOOST_TEST(r.ok());
  BOOST_TEST(r.data.empty());
  auto md5 = parse_response("\x01\x13\x24\x00\x00\x00\x00\x00"s + std::string(32, 'a') +
                            "\x00\x00\x00\x00"s);
  BOOST_TEST(md5.data == std::string(32, 'a'));
}

BOOST_AUTO_TEST_CASE(response_with_two_status_bytes) {
  auto r = parse_response("\x01\x0A\x02\x00\x44\x33\x22\x11\x00\x00"s, 2);
  BOOST_TEST(r.value == 0x11223344u);
  BOOST_TEST(r.ok());
}

BOOST_AUTO_TEST_CASE(error_status_and_message) {
  auto r = parse_response("\x01\x02\x04\x00\x00\x00\x00\x00\x01\x05\x00\x00"s);
  BOOST_TEST(!r.ok());
  BOOST_TEST(r.error == 0x05);
  RomError e(r.op, r.status, r.error);
  BOOST_TEST(std::string(e.what()) == "the ROM refused FLASH_BEGIN (error 0x05: invalid message)");
  BOOST_TEST(e.unsupported());
  BOOST_TEST((e.exit_code() == mpytool::ExitCode::kDevice));
  BOOST_TEST(std::string(RomError(RomOp::kFlashDeflData, 1, 0x07).what()) ==
             "the ROM refused FLASH_DEFL_DATA (error 0x07: checksum error)");
}

BOOST_AUTO_TEST_CASE(malformed_responses) {
  BOOST_CHECK_THROW(parse_response("\x01\x08\x00"s), mpytool::MpyError);  // short
  BOOST_CHECK_THROW(parse_response("\x00\x08\x00\x00\x00\x00\x00\x00"s), mpytool::MpyError);
  BOOST_CHECK_THROW(parse_response("\x01\x08\x09\x00\x00\x00\x00\x00\x00\x00\x00\x00"s),
                    mpytool::MpyError);  // size field says 9, 4 bytes follow
  BOOST_CHECK_THROW(parse_response("\x01\x08\x02\x00\x00\x00\x00\x00\x00\x00"s),
                    mpytool::MpyError);  // no room for 4 status bytes
}

BOOST_AUTO_TEST_SUITE_END()
