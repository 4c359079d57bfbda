// SPDX-License-Identifier: MIT
// Files without a board: where an upload lands before it is verified and renamed.
#include "mpytool/files/files.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

namespace files = mpytool::files;

BOOST_AUTO_TEST_SUITE(files_test)

BOOST_AUTO_TEST_CASE(temporary_names_sit_next_to_the_target) {
  BOOST_TEST(files::Files::temp_path("main.py") == ".main.py.mpytmp");
  BOOST_TEST(files::Files::temp_path("/lib/x.mpy") == "/lib/.x.mpy.mpytmp");
  BOOST_TEST(files::Files::temp_path("/a b/ü ñ.py") == "/a b/.ü ñ.py.mpytmp");
  // A name near the 255-byte limit would not fit with the decoration.
  BOOST_TEST(files::Files::temp_path("d/" + std::string(250, 'x')) == "d/.mpytool.mpytmp");
}

BOOST_AUTO_TEST_SUITE_END()
