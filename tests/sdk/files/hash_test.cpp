// SPDX-License-Identifier: MIT
// The host SHA-256 helpers that the board's digests are compared with.
#include "mpytool/files/hash.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace mpytool::files;

BOOST_AUTO_TEST_SUITE(hash_test)

BOOST_AUTO_TEST_CASE(sha256_known_vectors) {
  BOOST_TEST(to_hex(sha256("")) ==
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(to_hex(sha256("abc")) ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(sha256(std::string(1000, 'x')).size() == 32u);
}

BOOST_AUTO_TEST_SUITE_END()
