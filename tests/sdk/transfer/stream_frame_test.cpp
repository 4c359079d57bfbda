// SPDX-License-Identifier: MIT
// The transfer agent's wire format: frame codec (round trips, every byte value, split input,
// corruption), deflate segments (each decodes to exactly its raw size at its sync point) and
// window bits.
#include <zlib.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "mpytool/base/error.hpp"
#include "mpytool/transfer/deflate.hpp"
#include "mpytool/transfer/frame.hpp"

namespace stream = mpytool::stream;

namespace {

std::string all_bytes() {
  std::string s(256, '\0');
  for (int i = 0; i < 256; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(i);
  return s;
}

// Python-like text with some repetition, as the benchmark's files.
std::string sample_text(std::size_t n) {
  std::string s;
  unsigned x = 12345;
  while (s.size() < n) {
    x = x * 1103515245 + 12345;
    s += "def handler_" + std::to_string((x >> 16) % 97) + "(value, buffer):\n    return value\n";
  }
  s.resize(n);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_frame_test)

BOOST_AUTO_TEST_CASE(header_layout_and_crc) {
  const std::string f = stream::encode_frame('Q');
  BOOST_REQUIRE_EQUAL(f.size(), stream::kFrameHeaderSize);
  BOOST_TEST(static_cast<unsigned char>(f[0]) == stream::kFrameMagic);
  BOOST_TEST(f[1] == 'Q');
  BOOST_TEST(f[2] == '\0');
  BOOST_TEST(f[3] == '\0');
  // zlib.crc32(b'Q\x00\x00') == 0x923f9d95: an empty payload still covers type and length.
  BOOST_TEST(stream::frame_crc('Q', "") == 0x923f9d95u);
  BOOST_TEST(static_cast<unsigned char>(f[4]) == 0x95);
  BOOST_TEST(static_cast<unsigned char>(f[7]) == 0x92);

  const std::string d = stream::encode_frame('D', std::string(300, 'x'));
  BOOST_TEST(d.size() == stream::kFrameHeaderSize + 300);
  BOOST_TEST(static_cast<unsigned char>(d[2]) == (300 & 0xff));
  BOOST_TEST(static_cast<unsigned char>(d[3]) == (300 >> 8));
  const std::string payload(300, 'x');
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>("D\x2c\x01"), 3);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(payload.data()), 300);
  BOOST_TEST(stream::frame_crc('D', payload) == static_cast<std::uint32_t>(crc));
}

BOOST_AUTO_TEST_CASE(round_trip_every_byte_value_fed_bytewise) {
  const std::string data = all_bytes();
  const std::string wire = stream::encode_frame('P', data) + stream::encode_frame('K', "42");
  stream::FrameDecoder dec;
  std::vector<stream::Frame> got;
  for (char c : wire) {
    dec.feed(std::string_view(&c, 1));
    while (auto f = dec.next()) got.push_back(*f);
  }
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].type == 'P');
  BOOST_TEST(got[0].payload == data);
  BOOST_TEST(got[1].type == 'K');
  BOOST_TEST(got[1].payload == "42");
  BOOST_TEST(!dec.ended());
}

BOOST_AUTO_TEST_CASE(largest_payload_and_too_large) {
  const std::string big(stream::kMaxFramePayload, '\x04');
  stream::FrameDecoder dec;
  dec.feed(stream::encode_frame('D', big));
  auto f = dec.next();
  BOOST_REQUIRE(f);
  BOOST_TEST(f->payload == big);  // 0x04 inside a payload is data, not the end marker

  std::string oversized = stream::encode_frame('D', std::string(stream::kMaxFramePayload + 1, 'a'));
  stream::FrameDecoder dec2;
  dec2.feed(oversized);
  BOOST_TEST(!dec2.next());  // not a frame: skipped
  BOOST_TEST(dec2.skipped() > 0);
  BOOST_CHECK_THROW(stream::encode_frame('D', std::string(70000, 'a')), std::length_error);
}

// A damaged frame is skipped, byte by byte, until a frame checks again: the frame after it
// is found by its CRC even when the damaged payload holds the magic byte.
BOOST_AUTO_TEST_CASE(damaged_frames_are_skipped_not_fatal) {
  const std::string good = stream::encode_frame('K', "next");
  std::string f = stream::encode_frame('D', "hello world");
  f[10] ^= 0x01;  // one bit of the payload
  stream::FrameDecoder dec;
  dec.feed(f + good);
  auto got = dec.next();
  BOOST_REQUIRE(got);
  BOOST_TEST(got->type == 'K');
  BOOST_TEST(got->payload == "next");
  BOOST_TEST(dec.skipped() == static_cast<std::int64_t>(f.size()));

  std::string g = stream::encode_frame('D', "hello world");
  g[1] = 'E';  // the type is covered by the CRC too
  std::string h = stream::encode_frame('D', std::string("\xA5\x44\x05\x00zzzz", 8) + "pad");
  h[9] ^= 0x40;  // a damaged frame whose payload looks like a header
  stream::FrameDecoder dec2;
  dec2.feed(g + h + good);
  got = dec2.next();
  BOOST_REQUIRE(got);
  BOOST_TEST(got->payload == "next");

  // Text instead of frames (a boot banner) is kept for the caller to recognise.
  stream::FrameDecoder dec3;
  dec3.feed("\r\nMicroPython v1.27.0 on 2025-12-10; ESP32\r\n>>> ");
  BOOST_TEST(!dec3.next());
  BOOST_TEST(!dec3.ended());
  BOOST_TEST(dec3.recent_garbage().find("MicroPython v1.27") != std::string::npos);

  // However much text comes behind the banner in one read (a friendly REPL echoing the host's
  // frames), the banner is still there when the caller looks; trim_garbage() forgets it.
  stream::FrameDecoder dec4;
  dec4.feed("ets Jun  8 2016 00:22:57\r\nMicroPython v1.27.0\r\n>>> " + std::string(4096, 'x'));
  BOOST_TEST(!dec4.next());
  BOOST_TEST(dec4.recent_garbage().find("MicroPython v1.27") != std::string::npos);
  dec4.trim_garbage(32);
  BOOST_TEST(dec4.recent_garbage() == std::string(32, 'x'));
}

BOOST_AUTO_TEST_CASE(sequenced_frames_check_their_number) {
  // The board checks a host frame's CRC with the number it expects: the same frame with
  // another number is as wrong as a damaged one, so a repeated frame cannot be taken twice.
  const std::string f0 = stream::encode_frame('D', "abc", 0);
  const std::string f1 = stream::encode_frame('D', "abc", 1);
  BOOST_TEST(f0.size() == f1.size());
  BOOST_TEST(f0.substr(8) == f1.substr(8));
  BOOST_TEST(f0.substr(4, 4) != f1.substr(4, 4));
  // zlib's CRC-32 of seq, then type + length + payload.
  const unsigned char bytes[] = {1, 'D', 3, 0, 'a', 'b', 'c'};
  const auto crc = static_cast<std::uint32_t>(crc32(0L, bytes, sizeof bytes));
  std::uint32_t got = 0;
  for (int i = 0; i < 4; ++i)
    got |= static_cast<std::uint32_t>(static_cast<unsigned char>(f1[4 + i])) << (8 * i);
  BOOST_TEST(got == crc);
}

BOOST_AUTO_TEST_CASE(end_of_program_between_frames) {
  stream::FrameDecoder dec;
  dec.feed(stream::encode_frame('K', "1") + "\x04Traceback (most recent call last):\r\n\x04>");
  auto f = dec.next();
  BOOST_REQUIRE(f);
  BOOST_TEST(f->type == 'K');
  BOOST_TEST(!dec.next());
  BOOST_TEST(dec.ended());
  BOOST_TEST(dec.take_rest() == "Traceback (most recent call last):\r\n\x04>");
}

BOOST_AUTO_TEST_CASE(damaged_last_frame_before_the_end) {
  // The agent's last answer arrives damaged, then the program's clean end: the 0x04 of the
  // damaged frame's length is not the end, the one after it is (no traceback).
  std::string k = stream::encode_frame('K', "6024");
  BOOST_TEST(k[2] == '\x04');
  k[9] ^= 0x10;
  stream::FrameDecoder dec;
  dec.feed(stream::encode_frame('C', "12345678") + k + "\x04\x04>");
  BOOST_REQUIRE(dec.next());
  BOOST_TEST(!dec.next());
  BOOST_TEST(dec.ended());
  BOOST_TEST(dec.take_rest() == "\x04>");

  // The same end in pieces: the damaged frame's 0x04 and the end's wait for "\x04>".
  stream::FrameDecoder dec2;
  dec2.feed(k);
  BOOST_TEST(!dec2.next());
  BOOST_TEST(!dec2.ended());
  dec2.feed("\x04");
  BOOST_TEST(!dec2.next());
  BOOST_TEST(!dec2.ended());
  dec2.feed("\x04>");
  BOOST_TEST(!dec2.next());
  BOOST_TEST(dec2.ended());
  BOOST_TEST(dec2.take_rest() == "\x04>");

  // A damaged frame's 0x04 followed by intact frames: the agent runs on.
  stream::FrameDecoder dec3;
  dec3.feed(k + stream::encode_frame('C', "abcdefgh"));
  auto f = dec3.next();
  BOOST_REQUIRE(f);
  BOOST_TEST(f->type == 'C');
  BOOST_TEST(!dec3.ended());

  // An end with a traceback after a damaged frame keeps the traceback.
  stream::FrameDecoder dec4;
  dec4.feed(k + "\x04Traceback (most recent call last):\r\n\x04>");
  BOOST_TEST(!dec4.next());
  BOOST_TEST(dec4.ended());
  BOOST_TEST(dec4.take_rest() == "Traceback (most recent call last):\r\n\x04>");
}

BOOST_AUTO_TEST_CASE(incomplete_frame_waits) {
  const std::string f = stream::encode_frame('S', "1234");
  stream::FrameDecoder dec;
  dec.feed(f.substr(0, 5));
  BOOST_TEST(!dec.next());
  dec.feed(f.substr(5, 4));
  BOOST_TEST(!dec.next());
  dec.feed(f.substr(9));
  auto got = dec.next();
  BOOST_REQUIRE(got);
  BOOST_TEST(got->payload == "1234");
}

// The board inflates each piece right after receiving it and asks for exactly raw_size bytes:
// an inflater that reads input bit by bit must get them from the pieces received so far. zlib
// with Z_SYNC_FLUSH returns what the input completes; each piece must complete exactly its count.
void check_pieces(const std::string& data, std::size_t piece, int wbits) {
  const auto segs = stream::deflate_segments(data, piece, wbits);
  std::size_t raw = 0;
  for (const auto& s : segs) {
    BOOST_TEST(s.data.size() <= piece);
    raw += s.raw_size;
  }
  BOOST_TEST(raw == data.size());
  z_stream zs{};
  BOOST_REQUIRE(inflateInit2(&zs, 15) == Z_OK);
  std::string out;
  for (const auto& s : segs) {
    std::string buf(s.raw_size + 70000, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data.data()));
    zs.avail_in = static_cast<uInt>(s.data.size());
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    const int rc = inflate(&zs, Z_SYNC_FLUSH);
    BOOST_TEST((rc == Z_OK || rc == Z_STREAM_END));
    BOOST_TEST(buf.size() - zs.avail_out == s.raw_size);
    out.append(buf.data(), buf.size() - zs.avail_out);
  }
  inflateEnd(&zs);
  BOOST_TEST(out == data);
}

BOOST_AUTO_TEST_CASE(pieces_complete_exactly_their_raw_size) {
  const std::string text = sample_text(50000);
  check_pieces(text, 4092, 15);  // libdeflate, 32 KiB window
  check_pieces(text, 1020, 12);  // zlib, small window
  check_pieces(text + all_bytes() + text, 100, 15);
  // libdeflate's best level beats zlib -9 on text.
  BOOST_TEST(stream::compress_stream(text, 15).size() < stream::compress_stream(text, 14).size());
  BOOST_TEST(stream::segments_size(stream::deflate_segments(text, 4092, 15)) ==
             stream::compress_stream(text, 15).size());
}

BOOST_AUTO_TEST_CASE(inflater_and_empty_stream) {
  const auto empty = stream::deflate_segments("", 4096, 10);
  BOOST_REQUIRE_EQUAL(empty.size(), 1u);
  BOOST_TEST(empty[0].raw_size == 0u);
  stream::Inflater inf;
  std::string out;
  inf.feed(empty[0].data, out);
  BOOST_TEST(out.empty());
  BOOST_TEST(inf.finished());

  const std::string data = all_bytes() + sample_text(5000);
  stream::Inflater inf2;
  std::string out2;
  for (const auto& s : stream::deflate_segments(data, 1000, 12)) {
    for (char c : s.data) inf2.feed(std::string_view(&c, 1), out2);  // any split works
  }
  BOOST_TEST(inf2.finished());
  BOOST_TEST(out2 == data);

  stream::Inflater bad;
  std::string ignored;
  BOOST_CHECK_THROW(bad.feed("not zlib at all", ignored), mpytool::MpyError);
}

BOOST_AUTO_TEST_CASE(window_bits_follow_free_memory) {
  BOOST_TEST(stream::window_bits_for(1024 * 1024) == 15);
  BOOST_TEST(stream::window_bits_for(98304) == 15);
  BOOST_TEST(stream::window_bits_for(98303) == 14);
  BOOST_TEST(stream::window_bits_for(20000) == 12);
  BOOST_TEST(stream::window_bits_for(0) == 10);
}

BOOST_AUTO_TEST_SUITE_END()
