// SPDX-License-Identifier: MIT
// The session's deflate stream: every piece inflates, with one inflater kept across pieces as
// the board keeps its DeflateIO, to exactly its raw bytes; later pieces profit from earlier
// ones; incompressible data stays out of the stream; a reset starts a new one.
#include <zlib.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "mpytool/mount/compressor.hpp"
#include "mpytool/mount/protocol.hpp"

namespace m = mpytool::mount;

namespace {

// Python-like text: words of one vocabulary in a different order in every module.
std::string module_text(int seed) {
  static const char* const kWords[] = {"sensor",  "buffer",   "timeout",  "packet",   "frame",
                                       "header",  "payload",  "offset",   "channel",  "device",
                                       "address", "register", "callback", "interval", "sample"};
  unsigned x = 2654435761u * static_cast<unsigned>(seed + 1);
  auto word = [&] { return std::string(kWords[((x = x * 1103515245 + 12345) >> 16) % 15]); };
  std::string s;
  while (s.size() < 2048) {
    s += "def " + word() + "_" + word() + "(" + word() + ", " + word() + "):\n";
    s += "    return self." + word() + " + " + std::to_string(x % 1000) + "\n";
  }
  return s;
}

struct Inflater {
  z_stream zs{};
  explicit Inflater(int wbits) { inflateInit2(&zs, -wbits); }
  ~Inflater() { inflateEnd(&zs); }
  // Inflates one piece and exactly \p n bytes out of it, as DeflateIO.read(n) does.
  std::string piece(const std::string& packed) {
    const std::size_t n = static_cast<unsigned char>(packed[0]) |
                          static_cast<std::size_t>(static_cast<unsigned char>(packed[1])) << 8;
    std::string out(n, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data() + 2));
    zs.avail_in = static_cast<uInt>(packed.size() - 2);
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(n);
    const int rc = inflate(&zs, Z_SYNC_FLUSH);
    BOOST_TEST((rc == Z_OK || rc == Z_BUF_ERROR));
    BOOST_TEST(zs.avail_out == 0u);
    return out;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(mount_compressor_test)

BOOST_AUTO_TEST_CASE(pieces_inflate_in_order_with_one_inflater) {
  m::StreamCompressor c(12);
  Inflater board(12);
  std::size_t first = 0, later = 0;
  for (int i = 0; i < 10; ++i) {
    const std::string text = module_text(i);
    auto packed = c.pack(text);
    BOOST_TEST_REQUIRE(packed.has_value());
    BOOST_TEST(board.piece(*packed) == text);
    (i == 0 ? first : later) += packed->size();
  }
  // Shared vocabulary: later modules cost much less than the first one did alone.
  BOOST_TEST(later / 9 < first * 3 / 4);
}

BOOST_AUTO_TEST_CASE(incompressible_data_stays_out_of_the_stream) {
  m::StreamCompressor c(12);
  Inflater board(12);
  std::string noise(4096, '\0');
  unsigned x = 7;
  for (char& ch : noise) ch = static_cast<char>((x = x * 1103515245 + 12345) >> 16);
  BOOST_TEST(!c.pack(noise).has_value());
  BOOST_TEST(!c.pack("short").has_value());
  const std::string text = module_text(3);
  BOOST_TEST(board.piece(*c.pack(text)) == text);  // the stream is still in step
}

BOOST_AUTO_TEST_CASE(reset_starts_a_new_stream) {
  m::StreamCompressor c(12);
  {
    Inflater old(12);
    old.piece(*c.pack(module_text(1)));
  }
  c.reset();
  Inflater fresh(12);
  const std::string text = module_text(2);
  BOOST_TEST(fresh.piece(*c.pack(text)) == text);
}

BOOST_AUTO_TEST_SUITE_END()
