// SPDX-License-Identifier: MIT
// Copying onto a BOOTSEL drive: chunks and progress, a drive vanishing during and after the
// copy, read-only and full drives, other errors.
#include "mpytool/uf2/uf2_copy.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <thread>

#include "mpytool/base/error.hpp"

namespace fs = std::filesystem;
using namespace mpytool::uf2;

namespace {

struct DriveDir {
  fs::path root;
  Drive drive;
  DriveDir() {
    std::string tmpl = (fs::temp_directory_path() / "mpytool-uf2-copy-XXXXXX").string();
    root = ::mkdtemp(tmpl.data());
    std::ofstream(root / "INFO_UF2.TXT") << "UF2 Bootloader v3.0\r\nModel: Raspberry Pi RP2\r\n"
                                            "Board-ID: RPI-RP2\r\n";
    drive = *read_drive(root);
    drive.serial = "E0C9125B0D9B";
  }
  ~DriveDir() {
    std::error_code ec;
    fs::permissions(root, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(root, ec);
  }
  void vanish() const { fs::remove(root / "INFO_UF2.TXT"); }
  std::vector<std::uint8_t> read(const std::string& name) const {
    std::ifstream in(root / name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
};

std::vector<std::uint8_t> data_of(std::size_t n) {
  std::vector<std::uint8_t> d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<std::uint8_t>(i * 7 + (i >> 9));
  return d;
}

// The DeviceError copy_to_drive throws, as "errno: message", or "" when it returns.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const mpytool::DeviceError& e) {
    return std::to_string(e.errno_value()) + ": " + e.what();
  }
  return "";
}

// The drive's file is a FIFO of 4 KiB whose reader (the "bootrom") takes \p take bytes, makes
// the drive vanish and closes its end: the copy's blocked write fails (EPIPE; SIGPIPE ignored,
// as the app does).
struct VanishingReader {
  std::thread reader;
  std::size_t got = 0;
  VanishingReader(const DriveDir& t, const std::string& name, std::size_t take) {
    const auto fifo = t.root / name;
    BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
    reader = std::thread([this, &t, fifo, take] {
      const int fd = ::open(fifo.c_str(), O_RDONLY);
      ::fcntl(fd, F_SETPIPE_SZ, 4096);  // the writer blocks with at most 4 KiB unread
      char buf[4096];
      while (got < take) {
        const auto n = ::read(fd, buf, std::min(sizeof buf, take - got));
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
      }
      t.vanish();
      ::close(fd);
    });
  }
  ~VanishingReader() { reader.join(); }
};

struct IgnoreSigpipe {
  struct sigaction old {};
  IgnoreSigpipe() {
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old);
  }
  ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &old, nullptr); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(uf2_copy_test)

BOOST_AUTO_TEST_CASE(copies_in_chunks) {
  DriveDir t;
  const auto data = data_of(200 * 1024);
  std::vector<std::size_t> seen;
  const auto r = copy_to_drive(data, "fw.uf2", t.drive, [&](std::size_t done, std::size_t total) {
    BOOST_TEST(total == data.size());
    seen.push_back(done);
  });
  BOOST_TEST(r.written == data.size());
  BOOST_TEST(!r.drive_gone);
  BOOST_TEST(seen == (std::vector<std::size_t>{65536, 131072, 196608, 204800}));
  BOOST_TEST(t.read("fw.uf2") == data);
  // Again over the old file, without a progress callback; an empty file too.
  copy_to_drive(data_of(1000), "fw.uf2", t.drive);
  BOOST_TEST(t.read("fw.uf2").size() == 1000u);
  BOOST_TEST(copy_to_drive({}, "empty.uf2", t.drive).written == 0u);
}

BOOST_AUTO_TEST_CASE(vanishing_mid_copy_is_an_error) {
  DriveDir t;
  const auto data = data_of(200 * 1024);
  auto msg = error_of([&] {
    copy_to_drive(data, "fw.uf2", t.drive, [&](std::size_t done, std::size_t) {
      if (done == 65536) t.vanish();
    });
  });
  BOOST_TEST(msg == std::to_string(ENODEV) +
                        ": the drive RPI-RP2 (serial E0C9125B0D9B) vanished while copying fw.uf2 "
                        "(65536 of 204800 bytes)");
}

BOOST_AUTO_TEST_CASE(vanishing_before_the_copy) {
  DriveDir t;
  t.vanish();
  BOOST_TEST(error_of([&] { copy_to_drive(data_of(1000), "fw.uf2", t.drive); }) ==
             std::to_string(ENODEV) +
                 ": the drive RPI-RP2 (serial E0C9125B0D9B) vanished while copying fw.uf2 (0 of "
                 "1000 bytes)");
  // The directory itself gone.
  Drive gone = t.drive;
  gone.dir = t.root / "nowhere";
  BOOST_TEST(error_of([&] { copy_to_drive(data_of(10), "fw.uf2", gone); }) != "");
}

BOOST_AUTO_TEST_CASE(vanishing_after_the_last_byte_is_success) {
  // The bootrom reboots as soon as it holds the last block: the drive goes away before the
  // copy has finished its fsync and close.
  DriveDir t;
  const auto data = data_of(150 * 1024);
  const auto r = copy_to_drive(data, "fw.uf2", t.drive, [&](std::size_t done, std::size_t total) {
    if (done == total) t.vanish();
  });
  BOOST_TEST(r.written == data.size());
  BOOST_TEST(r.drive_gone);
}

BOOST_AUTO_TEST_CASE(a_failed_write_on_a_vanished_drive) {
  IgnoreSigpipe ignore;
  DriveDir t;
  const auto data = data_of(300 * 1024);
  std::string msg;
  {
    VanishingReader bootrom(t, "fw.uf2", 1000);
    msg = error_of([&] { copy_to_drive(data, "fw.uf2", t.drive); });
  }
  const std::string prefix = std::to_string(EPIPE) +
                             ": the drive RPI-RP2 (serial E0C9125B0D9B) vanished while copying "
                             "fw.uf2 (";
  BOOST_TEST(msg.starts_with(prefix), msg);
  BOOST_TEST(msg.ends_with(" of 307200 bytes)"), msg);
}

BOOST_AUTO_TEST_CASE(a_failed_last_write_on_a_vanished_drive_is_success) {
  // The reader takes 1 KiB of the last chunk (the bootrom had its last block: a real one
  // reboots on the last block of its family, other blocks may follow it in the file); the
  // copy, at most 4 KiB further, is blocked in its last write when the drive goes.
  IgnoreSigpipe ignore;
  DriveDir t;
  const auto data = data_of(264 * 1024);  // 4 chunks and 8 KiB
  CopyResult r;
  std::string msg;
  {
    VanishingReader bootrom(t, "fw.uf2", 256 * 1024 + 1024);
    msg = error_of([&] { r = copy_to_drive(data, "fw.uf2", t.drive); });
  }
  BOOST_TEST(msg == "");
  BOOST_TEST(r.drive_gone);
  BOOST_TEST(r.written >= 257u * 1024);
  BOOST_TEST(r.written < data.size());
}

BOOST_AUTO_TEST_CASE(read_only_drive) {
  if (::geteuid() == 0) {
    BOOST_TEST_MESSAGE("skipped: root writes into a directory without write permission");
    return;
  }
  DriveDir t;
  fs::permissions(t.root, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  BOOST_TEST(error_of([&] { copy_to_drive(data_of(1000), "fw.uf2", t.drive); }) ==
             std::to_string(EACCES) + ": the drive RPI-RP2 (serial E0C9125B0D9B) is read-only");
}

BOOST_AUTO_TEST_CASE(full_drive) {
  // A full volume, simulated: the file is a link to /dev/full, whose writes fail with ENOSPC.
  if (!fs::exists("/dev/full")) {
    BOOST_TEST_MESSAGE("skipped: no /dev/full");
    return;
  }
  DriveDir t;
  fs::create_symlink("/dev/full", t.root / "fw.uf2");
  BOOST_TEST(error_of([&] { copy_to_drive(data_of(1536000), "fw.uf2", t.drive); }) ==
             std::to_string(ENOSPC) +
                 ": the drive RPI-RP2 (serial E0C9125B0D9B) is full (fw.uf2 needs 1536000 bytes)");
  // What was written is removed (here: the link).
  std::error_code ec;
  BOOST_TEST(!fs::is_symlink(t.root / "fw.uf2", ec));
}

BOOST_AUTO_TEST_CASE(other_errors_name_the_file) {
  DriveDir t;
  fs::create_directory(t.root / "fw.uf2");
  BOOST_TEST(error_of([&] { copy_to_drive(data_of(1000), "fw.uf2", t.drive); }) ==
             std::to_string(EISDIR) + ": cannot write '" + (t.root / "fw.uf2").string() +
                 "': is a directory");
}

BOOST_AUTO_TEST_SUITE_END()
