// SPDX-License-Identifier: MIT
// The one seconds parser (--timeout, exec/run -t, ota -t) and the one zlib deflate setup.
#include "mpytool/base/seconds.hpp"

#include <zlib.h>

#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>

#include "mpytool/base/deflate.hpp"
#include "mpytool/base/error.hpp"

BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<double>)

using mpytool::parse_seconds;

BOOST_AUTO_TEST_SUITE(seconds_test)

BOOST_AUTO_TEST_CASE(seconds_are_finite_and_positive) {
  BOOST_TEST(parse_seconds("2.5") == std::optional<double>(2.5));
  BOOST_TEST(parse_seconds("1e1") == std::optional<double>(10.0));
  BOOST_TEST(parse_seconds(" 3") == std::optional<double>(3.0));  // strtod skips blanks
  BOOST_TEST(!parse_seconds("0").has_value());
  BOOST_TEST(parse_seconds("0", true) == std::optional<double>(0.0));
  for (const char* bad : {"", "-1", "1s", "abc", "inf", "nan", "1 "}) {
    BOOST_TEST(!parse_seconds(bad, true).has_value(), bad);
  }
}

// What deflate_all() and a Deflater write inflates back with zlib, for a zlib stream and a raw
// one flushed piece by piece.
BOOST_AUTO_TEST_CASE(deflate_round_trips) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "line " + std::to_string(i % 7) + " of the text\n";
  const auto inflate_all = [](const std::string& in, int wbits) {
    z_stream zs{};
    BOOST_REQUIRE(inflateInit2(&zs, wbits) == Z_OK);
    std::string out(1 << 16, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    inflate(&zs, Z_SYNC_FLUSH);
    out.resize(zs.total_out);
    inflateEnd(&zs);
    return out;
  };
  const std::string packed = mpytool::deflate_all(text, {.level = 9, .window_bits = 10});
  BOOST_TEST(packed.size() < text.size() / 4);
  BOOST_TEST(inflate_all(packed, 15) == text);

  mpytool::Deflater d({.level = 9, .window_bits = -10, .mem_level = 9});
  std::string stream;
  d.compress(text.substr(0, 1000), stream, false);
  d.compress(text.substr(1000), stream, false);
  BOOST_TEST(inflate_all(stream, -10) == text);
  BOOST_CHECK_THROW(mpytool::Deflater({.level = 42}), mpytool::MpyError);
}

BOOST_AUTO_TEST_SUITE_END()
