// SPDX-License-Identifier: MIT
// SLIP framing of the ESP ROM loader: escapes both ways, frames split anywhere, empty frames,
// and the ROM's banner text kept apart from the packets.
#include "mpytool/esp_rom/slip.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace mpytool::esp_rom;
using namespace std::string_literals;

BOOST_AUTO_TEST_SUITE(slip_test)

BOOST_AUTO_TEST_CASE(encode_escapes_end_and_esc) {
  BOOST_TEST(slip_encode("a\xC0z\xDB"s) ==
             "\xC0"
             "a\xDB\xDCz\xDB\xDD\xC0"s);
  BOOST_TEST(slip_encode("") == "\xC0\xC0"s);
}

BOOST_AUTO_TEST_CASE(decode_round_trip_byte_by_byte) {
  std::string packet;
  for (int i = 0; i < 256; ++i) packet += static_cast<char>(i);
  auto wire = slip_encode(packet) + slip_encode("second");
  SlipDecoder d;
  std::vector<std::string> got;
  for (char c : wire) {
    d.feed(std::string(1, c));
    while (auto p = d.next_packet()) got.push_back(*p);
  }
  BOOST_TEST_REQUIRE(got.size() == 2u);
  BOOST_TEST(got[0] == packet);
  BOOST_TEST(got[1] == "second");
  BOOST_TEST(d.take_text().empty());
}

BOOST_AUTO_TEST_CASE(escape_split_across_chunks) {
  SlipDecoder d;
  d.feed("\xC0x\xDB"s);
  BOOST_TEST(!d.next_packet());
  d.feed("\xDCy\xC0"s);
  auto p = d.next_packet();
  BOOST_TEST_REQUIRE(p.has_value());
  BOOST_TEST(*p == "x\xC0y"s);
}

BOOST_AUTO_TEST_CASE(banner_text_is_kept_apart) {
  SlipDecoder d;
  d.feed("rst:0x1 (POWERON_RESET),boot:0x3\r\nwaiting for download\r\n");
  BOOST_TEST(!d.next_packet());
  d.feed("\xC0\xC0"s + "ab" + "\xC0tail"s);  // an empty frame is skipped
  auto p = d.next_packet();
  BOOST_TEST_REQUIRE(p.has_value());
  BOOST_TEST(*p == "ab");
  BOOST_TEST(d.take_text() == "rst:0x1 (POWERON_RESET),boot:0x3\r\nwaiting for download\r\ntail");
  BOOST_TEST(d.take_text().empty());
}

BOOST_AUTO_TEST_CASE(text_before_an_unfinished_frame) {
  SlipDecoder d;
  d.feed("hello\xC0partial"s);
  BOOST_TEST(d.take_text() == "hello");
  d.feed("\xC0"s);
  BOOST_TEST(d.next_packet().value() == "partial");
}

BOOST_AUTO_TEST_SUITE_END()
