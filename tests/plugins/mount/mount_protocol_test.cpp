// SPDX-License-Identifier: MIT
// The mount protocol's frames: requests round-trip with any payload (0x18 inside, a 24-byte
// path whose length is 18 00), partial input asks for exactly what is missing, ordinary output
// that starts with 0x18 is never a request, a flipped bit makes a frame not a request, and
// replies carry a CRC the agent can check.
#include <boost/test/unit_test.hpp>
#include <string>

#include "mpytool/mount/protocol.hpp"

namespace m = mpytool::mount;
using State = m::Parsed::State;

namespace {
std::string all_bytes() {
  std::string s(256, '\0');
  for (int i = 0; i < 256; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(i);
  return s;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(mount_protocol_test)

BOOST_AUTO_TEST_CASE(request_round_trip_with_every_byte_value) {
  m::Request r{7 | m::kStreamReset, 3, all_bytes() + std::string(1000, '\x18'), 0x18};
  const std::string wire = m::encode_request(r);
  BOOST_TEST(wire.size() == m::kRequestHeader + r.payload.size() + m::kCrcSize);
  const m::Parsed p = m::parse_request(wire + "tail");
  BOOST_TEST(static_cast<int>(p.state) == static_cast<int>(State::kRequest));
  BOOST_TEST(p.size == wire.size());
  BOOST_TEST(p.request.cmd == (7 | m::kStreamReset));
  BOOST_TEST(p.request.mid == 3);
  BOOST_TEST(p.request.seq == 0x18);
  BOOST_TEST(p.request.payload == r.payload);
}

BOOST_AUTO_TEST_CASE(path_of_24_bytes_has_an_escape_in_its_length) {
  const std::string path = "/" + std::string(23, 'a');
  const std::string wire = m::encode_request({1, 0, path});
  BOOST_TEST(wire[5] == '\x18');  // the length field itself holds the escape byte
  const m::Parsed p = m::parse_request(wire);
  BOOST_TEST(static_cast<int>(p.state) == static_cast<int>(State::kRequest));
  BOOST_TEST(p.request.payload == path);
}

BOOST_AUTO_TEST_CASE(partial_input_asks_for_what_is_missing) {
  const std::string wire = m::encode_request({4, 0, "rb\0/x.py"});
  BOOST_TEST(m::parse_request(wire.substr(0, 1)).need == 2u);
  BOOST_TEST(m::parse_request(wire.substr(0, 3)).need == m::kRequestHeader);
  for (std::size_t n = m::kRequestHeader; n < wire.size(); ++n) {
    const m::Parsed p = m::parse_request(wire.substr(0, n));
    BOOST_TEST(static_cast<int>(p.state) == static_cast<int>(State::kNeedMore));
    BOOST_TEST(p.need == wire.size());
  }
}

BOOST_AUTO_TEST_CASE(ordinary_output_with_an_escape_is_not_a_request) {
  // The Python mpytool took 0x18 followed by 1..12 for a request and waited up to 30 s for
  // parameters.
  for (int c = 1; c <= 12; ++c) {
    const std::string out = std::string("\x18") + static_cast<char>(c) + "\x00 more output";
    BOOST_TEST(static_cast<int>(m::parse_request(out).state) ==
               static_cast<int>(State::kNotRequest));
  }
  BOOST_TEST(static_cast<int>(m::parse_request("plain").state) ==
             static_cast<int>(State::kNotRequest));
}

BOOST_AUTO_TEST_CASE(output_that_starts_like_a_request_is_told_apart_at_once) {
  // 18 9A followed by anything whose header check fails needs no body to decide.
  std::string out = std::string("\x18\x9a\x01\x00\x01\xff\xff", 7) + "x";
  BOOST_TEST(static_cast<int>(m::parse_request(out).state) == static_cast<int>(State::kNotRequest));
  // A valid header of an unknown command: ordinary output too.
  std::string unknown = m::encode_request({42, 0, "p"});
  BOOST_TEST(static_cast<int>(m::parse_request(unknown).state) ==
             static_cast<int>(State::kNotRequest));
}

BOOST_AUTO_TEST_CASE(a_flipped_bit_is_not_served) {
  const std::string wire = m::encode_request({9, 0, std::string("\0/precious.txt", 14)});
  for (std::size_t i = 2; i < wire.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = wire;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      const m::Parsed p = m::parse_request(bad);
      // Either it is not a request, or it wants more bytes (a longer length): never served.
      BOOST_TEST(static_cast<int>(p.state) != static_cast<int>(State::kRequest));
    }
  }
}

BOOST_AUTO_TEST_CASE(reply_layout_and_crc) {
  m::Reply r{13, m::kEof, "data\x18"};
  const std::string wire = m::encode_reply(r, 5);  // the answer to request number 5
  BOOST_TEST(wire.size() == m::kReplyHeader + 5 + m::kCrcSize);
  BOOST_TEST(wire[0] == m::kEscape);
  BOOST_TEST(static_cast<int>(wire[1]) == 13);
  BOOST_TEST(static_cast<int>(wire[2]) == m::kEof);
  BOOST_TEST(static_cast<int>(wire[3]) == 5);
  BOOST_TEST(wire[4] == 5);
  BOOST_TEST(wire[5] == 0);
  // What the agent checks: crc32(payload, crc32(status, flags, gen, len16)).
  const auto crc = m::crc32(wire.substr(6, 5), m::crc32(wire.substr(1, 5)));
  BOOST_TEST(m::get_u32(wire, 11) == crc);
}

BOOST_AUTO_TEST_CASE(oversized_frames_are_refused) {
  BOOST_CHECK_THROW(m::encode_reply({0, 0, std::string(m::kMaxPayload + 1, 'x')}, 0),
                    std::length_error);
  BOOST_CHECK_THROW(m::encode_request({1, 0, std::string(m::kMaxPayload + 1, 'x')}),
                    std::length_error);
}

BOOST_AUTO_TEST_SUITE_END()
