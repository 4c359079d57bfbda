// SPDX-License-Identifier: MIT
// mpytool::sha256 and the incremental mpytool::Sha256 against the FIPS 180-2 test vectors;
// mpytool::crc32_of against the CRC-32 check value.
#include "mpytool/base/digest.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

namespace {

std::string hex(const std::string& raw) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (unsigned char c : raw) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(digest_test)

BOOST_AUTO_TEST_CASE(known_vectors) {
  BOOST_TEST(mpytool::sha256("").size() == 32u);
  BOOST_TEST(hex(mpytool::sha256("")) ==
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(hex(mpytool::sha256("abc")) ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(hex(mpytool::sha256(std::string(1000000, 'a'))) ==
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(binary_data) {
  const std::string zeros(3, '\0');
  BOOST_TEST(hex(mpytool::sha256(zeros)) ==
             "709e80c88487a2411e1ee4dfb9f22a861492d20c4765150c0c794abd70f8147c");
}

BOOST_AUTO_TEST_CASE(incremental_hash_matches_the_whole_one_in_any_pieces) {
  mpytool::Sha256 empty;
  BOOST_TEST(hex(empty.digest()) ==
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  mpytool::Sha256 h;
  const std::string million(1000000, 'a');
  for (std::size_t at = 0, step = 1; at < million.size(); at += step, step = step * 3 % 65537) {
    h.update(std::string_view(million).substr(at, step));
  }
  BOOST_TEST(hex(h.digest()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  BOOST_TEST(h.digest() == mpytool::sha256(million));
}

BOOST_AUTO_TEST_CASE(reading_the_digest_does_not_end_the_hash) {
  mpytool::Sha256 h;
  h.update("ab");
  BOOST_TEST(h.digest() == mpytool::sha256("ab"));
  h.update("");
  h.update("c");
  BOOST_TEST(hex(h.digest()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Read twice: the same digest.
  BOOST_TEST(h.digest() == mpytool::sha256("abc"));
}

// CRC-32 as zlib and MicroPython's binascii.crc32 compute it, continued piece by piece.
BOOST_AUTO_TEST_CASE(crc32_matches_zlib) {
  BOOST_TEST(mpytool::crc32_of("") == 0u);
  BOOST_TEST(mpytool::crc32_of("123456789") == 0xCBF43926u);
  BOOST_TEST(mpytool::crc32_of("6789", mpytool::crc32_of("12345")) == 0xCBF43926u);
  BOOST_TEST(mpytool::crc32_of("", 0x1234u) == 0x1234u);
}

BOOST_AUTO_TEST_SUITE_END()
