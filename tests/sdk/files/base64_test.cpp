// SPDX-License-Identifier: MIT
// Base64 of the text transfer path (RFC 4648 vectors, every byte value, invalid input).
#include "base64.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

#include "mpytool/base/error.hpp"

namespace files = mpytool::files;

namespace {

std::string all_bytes() {
  std::string s(256, '\0');
  for (int i = 0; i < 256; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(i);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(base64_test)

BOOST_AUTO_TEST_CASE(base64_vectors) {
  BOOST_TEST(files::base64_encode("") == "");
  BOOST_TEST(files::base64_encode("f") == "Zg==");
  BOOST_TEST(files::base64_encode("fo") == "Zm8=");
  BOOST_TEST(files::base64_encode("foo") == "Zm9v");
  BOOST_TEST(files::base64_encode("foobar") == "Zm9vYmFy");
  BOOST_TEST(files::base64_decode("Zm9vYmE=\n") == "fooba");
  const std::string data = all_bytes();
  BOOST_TEST(files::base64_decode(files::base64_encode(data)) == data);
  BOOST_CHECK_THROW(files::base64_decode("Zm9v!"), mpytool::MpyError);
}

BOOST_AUTO_TEST_SUITE_END()
