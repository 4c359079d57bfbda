// SPDX-License-Identifier: MIT
// Host files of the flash commands: the whole content back, the seed's message for a missing
// image, and a failed write that leaves the old file as it was.
#include "mpytool/host_file.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "mpytool/error.hpp"

namespace sfs = std::filesystem;

namespace {

struct TempDir {
  sfs::path dir = sfs::temp_directory_path() / ("mpytool-host-file-" + std::to_string(::getpid()));
  TempDir() { sfs::create_directories(dir); }
  ~TempDir() { sfs::remove_all(dir); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(host_file_test)

BOOST_AUTO_TEST_CASE(round_trip_with_every_byte_value) {
  TempDir t;
  std::string data;
  for (int i = 0; i < 3 * 256; ++i) data += static_cast<char>(i & 0xff);
  const std::string path = (t.dir / "dump.bin").string();
  mpytool::write_host_file(path, data);
  BOOST_TEST(mpytool::read_host_file(path) == data);
  BOOST_TEST(!sfs::exists(path + ".mpytmp"));
  mpytool::write_host_file(path, "new");
  BOOST_TEST(mpytool::read_host_file(path) == "new");
}

BOOST_AUTO_TEST_CASE(missing_file_is_a_usage_error_with_the_seeds_text) {
  TempDir t;
  const std::string path = (t.dir / "nope.bin").string();
  try {
    mpytool::read_host_file(path);
    BOOST_FAIL("no error");
  } catch (const mpytool::UsageError& e) {
    BOOST_TEST(std::string(e.what()) == "Firmware file not found: " + path);
  }
}

BOOST_AUTO_TEST_CASE(failed_write_keeps_the_old_file) {
  TempDir t;
  // The target is a directory with content: the rename over it fails after the data was
  // written to the temporary file, which must then be gone.
  const sfs::path target = t.dir / "busy";
  sfs::create_directories(target / "inside");
  BOOST_CHECK_THROW(mpytool::write_host_file(target.string(), "data"), mpytool::MpyError);
  BOOST_TEST(sfs::is_directory(target / "inside"));
  BOOST_TEST(!sfs::exists(target.string() + ".mpytmp"));
  // A directory that does not exist: nothing to open.
  BOOST_CHECK_THROW(mpytool::write_host_file((t.dir / "no" / "x.bin").string(), "d"),
                    mpytool::MpyError);
}

BOOST_AUTO_TEST_SUITE_END()
