// SPDX-License-Identifier: MIT
// Host files of the downloads (cp, flash read): the whole content back, the Python mpytool's
// message for a missing image, and the one writer keeping what the destination is: a regular file
// replaced atomically with its mode and owner, a symlink followed, a device, a FIFO and stdout
// written into; temporary files that never follow a planted link; failures that name their cause
// and leave nothing behind.
#include "mpytool/transfer/host_file.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "mpytool/base/error.hpp"

namespace sfs = std::filesystem;

namespace {

struct TempDir {
  sfs::path dir = sfs::temp_directory_path() / ("mpytool-host-file-" + std::to_string(::getpid()));
  TempDir() {
    sfs::remove_all(dir);
    sfs::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    sfs::remove_all(dir, ec);
  }
};

/// A tmpfs mounted on a fresh directory for the test's lifetime (root only).
struct TmpfsMount {
  sfs::path dir;
  bool mounted = false;
  int err = 0;
  TmpfsMount(const sfs::path& at, unsigned long flags, const char* options) : dir(at) {
    sfs::create_directories(dir);
    mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", flags, options) == 0;
    if (!mounted) err = errno;
  }
  ~TmpfsMount() {
    if (mounted) ::umount2(dir.c_str(), MNT_DETACH);
  }
  std::string why_not() const {
    return std::string("mounting a tmpfs is not permitted here: ") + std::strerror(err);
  }
};

std::string slurp(const sfs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void put(const sfs::path& p, const std::string& data) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << data;
}

/// The names in \p dir.
std::set<std::string> names(const sfs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : sfs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

mode_t mode_of(const sfs::path& p) {
  struct stat st {};
  BOOST_REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode;
}

/// The message of the MpyError \p f throws, "" when none.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const mpytool::MpyError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(host_file_test)

BOOST_AUTO_TEST_CASE(round_trip_with_every_byte_value) {
  TempDir t;
  std::string data;
  for (int i = 0; i < 3 * 256; ++i) data += static_cast<char>(i & 0xff);
  const std::string path = (t.dir / "dump.bin").string();
  mpytool::write_host_file(path, data);
  BOOST_TEST(mpytool::read_host_file(path) == data);
  mpytool::write_host_file(path, "new");
  BOOST_TEST(mpytool::read_host_file(path) == "new");
  mpytool::write_host_file(path, "");
  BOOST_TEST(mpytool::read_host_file(path).empty());
  BOOST_TEST(names(t.dir) == std::set<std::string>{"dump.bin"});  // no temporary file left
}

BOOST_AUTO_TEST_CASE(missing_file_is_a_usage_error_with_the_python_mpytools_text) {
  TempDir t;
  const std::string path = (t.dir / "nope.bin").string();
  try {
    mpytool::read_host_file(path);
    BOOST_FAIL("no error");
  } catch (const mpytool::UsageError& e) {
    BOOST_TEST(std::string(e.what()) == "Firmware file not found: " + path);
  }
}

BOOST_AUTO_TEST_CASE(host_error_text_is_strerror_in_lower_case) {
  BOOST_TEST(mpytool::host_error_text(EACCES) == "permission denied");
  BOOST_TEST(mpytool::host_error_text(ENOSPC) == "no space left on device");
  BOOST_TEST(mpytool::host_error_text(EROFS) == "read-only file system");
  BOOST_TEST(mpytool::host_error_text(std::make_error_code(std::errc::is_a_directory)) ==
             "is a directory");
}

BOOST_AUTO_TEST_CASE(a_directory_or_a_missing_directory_is_an_error_naming_its_cause) {
  TempDir t;
  // The target is a directory with content: nothing replaces it, nothing is left beside it.
  const sfs::path target = t.dir / "busy";
  sfs::create_directories(target / "inside");
  BOOST_TEST(error_of([&] { mpytool::write_host_file(target.string(), "data"); }) ==
             "cannot write '" + target.string() + "': is a directory");
  BOOST_TEST(sfs::is_directory(target / "inside"));
  BOOST_TEST(names(t.dir) == std::set<std::string>{"busy"});
  const std::string missing = (t.dir / "no" / "x.bin").string();
  BOOST_TEST(error_of([&] { mpytool::write_host_file(missing, "d"); }) ==
             "cannot write '" + missing + "': no such file or directory");
}

BOOST_AUTO_TEST_CASE(new_file_gets_0666_less_the_umask) {
  TempDir t;
  const mode_t saved = ::umask(027);
  mpytool::write_host_file((t.dir / "a").string(), "x");
  ::umask(0);
  mpytool::write_host_file((t.dir / "b").string(), "x");
  ::umask(saved);
  BOOST_TEST((mode_of(t.dir / "a") & 07777) == 0640u);
  BOOST_TEST((mode_of(t.dir / "b") & 07777) == 0666u);
}

BOOST_AUTO_TEST_CASE(regular_file_is_replaced_with_its_mode_and_owner) {
  TempDir t;
  const sfs::path file = t.dir / "secret.bin";
  put(file, "old content");
  BOOST_REQUIRE(::chmod(file.c_str(), 0600) == 0);
  const bool root = ::geteuid() == 0;
  if (root) BOOST_REQUIRE(::chown(file.c_str(), 1234, 5678) == 0);
  mpytool::write_host_file(file.string(), "new");
  BOOST_TEST(slurp(file) == "new");
  struct stat st {};
  BOOST_REQUIRE(::stat(file.c_str(), &st) == 0);
  BOOST_TEST(S_ISREG(st.st_mode));
  BOOST_TEST((st.st_mode & 07777) == 0600u);
  if (root) {
    BOOST_TEST(st.st_uid == 1234u);
    BOOST_TEST(st.st_gid == 5678u);
  }
  // An executable stays executable.
  BOOST_REQUIRE(::chmod(file.c_str(), 0751) == 0);
  mpytool::write_host_file(file.string(), "again");
  BOOST_TEST((mode_of(file) & 07777) == 0751u);
  BOOST_TEST(names(t.dir) == std::set<std::string>{"secret.bin"});
}

BOOST_AUTO_TEST_CASE(symlink_is_followed_and_stays_a_link) {
  TempDir t;
  sfs::create_directories(t.dir / "real");
  sfs::create_directories(t.dir / "links");
  const sfs::path target = t.dir / "real" / "data.bin";
  put(target, "old");
  BOOST_REQUIRE(::chmod(target.c_str(), 0640) == 0);
  // A chain: links/a -> b (relative, same directory) -> ../real/data.bin.
  sfs::create_symlink("b", t.dir / "links" / "a");
  sfs::create_symlink("../real/data.bin", t.dir / "links" / "b");
  mpytool::write_host_file((t.dir / "links" / "a").string(), "through the links");
  BOOST_TEST(slurp(target) == "through the links");
  BOOST_TEST(S_ISLNK(mode_of(t.dir / "links" / "a")));
  BOOST_TEST(S_ISLNK(mode_of(t.dir / "links" / "b")));
  BOOST_TEST((mode_of(target) & 07777) == 0640u);
  // The temporary file was in the target's directory: nothing left in either.
  BOOST_TEST(names(t.dir / "links") == (std::set<std::string>{"a", "b"}));
  BOOST_TEST(names(t.dir / "real") == std::set<std::string>{"data.bin"});

  // A dangling link: its target is created, the link stays.
  sfs::create_symlink(t.dir / "real" / "new.bin", t.dir / "links" / "dangling");
  mpytool::write_host_file((t.dir / "links" / "dangling").string(), "created");
  BOOST_TEST(slurp(t.dir / "real" / "new.bin") == "created");
  BOOST_TEST(S_ISLNK(mode_of(t.dir / "links" / "dangling")));

  // A loop is an error naming it.
  sfs::create_symlink("loop2", t.dir / "links" / "loop1");
  sfs::create_symlink("loop1", t.dir / "links" / "loop2");
  const std::string loop = (t.dir / "links" / "loop1").string();
  BOOST_TEST(error_of([&] { mpytool::write_host_file(loop, "x"); }) ==
             "cannot write '" + loop + "': too many levels of symbolic links");
}

BOOST_AUTO_TEST_CASE(character_device_stays_a_device) {
  mpytool::write_host_file("/dev/null", std::string(100000, 'x'));
  BOOST_TEST(S_ISCHR(mode_of("/dev/null")));
  // Through a link too.
  TempDir t;
  sfs::create_symlink("/dev/null", t.dir / "null");
  mpytool::write_host_file((t.dir / "null").string(), "x");
  BOOST_TEST(S_ISCHR(mode_of("/dev/null")));
  BOOST_TEST(S_ISLNK(mode_of(t.dir / "null")));
  BOOST_TEST(names(t.dir) == std::set<std::string>{"null"});
}

BOOST_AUTO_TEST_CASE(fifo_gets_the_bytes_and_stays_a_fifo) {
  TempDir t;
  const sfs::path fifo = t.dir / "pipe";
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string data(300000, 'f');  // more than a pipe holds: the reader must be served
  std::string got;
  std::thread reader([&] { got = slurp(fifo); });
  mpytool::write_host_file(fifo.string(), data);
  reader.join();
  BOOST_TEST(got.size() == data.size());
  BOOST_TEST((got == data));
  BOOST_TEST(S_ISFIFO(mode_of(fifo)));
  BOOST_TEST(names(t.dir) == std::set<std::string>{"pipe"});
}

BOOST_AUTO_TEST_CASE(dash_and_dev_stdout_are_this_processes_stdout) {
  for (const char* name : {"-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"}) {
    BOOST_TEST(mpytool::is_stream_path(name));
    int fds[2];
    BOOST_REQUIRE(::pipe(fds) == 0);
    std::cout.flush();  // Boost.Test's own lines stay out of the pipe
    const int saved = ::dup(STDOUT_FILENO);
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[1]);
    std::string error;
    try {
      mpytool::write_host_file(name, std::string("to stdout via ") + name);
    } catch (const mpytool::MpyError& e) {
      error = e.what();
    }
    ::dup2(saved, STDOUT_FILENO);  // the pipe's last writer is gone: the read below ends
    ::close(saved);
    char buf[256];
    std::string got;
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, n);
    ::close(fds[0]);
    BOOST_TEST(error.empty(), error);
    BOOST_TEST(got == std::string("to stdout via ") + name);
  }
  BOOST_TEST(!mpytool::is_stream_path("./-"));
}

BOOST_AUTO_TEST_CASE(planted_links_at_temporary_names_are_never_followed) {
  TempDir t;
  sfs::create_directories(t.dir / "dest");
  const sfs::path outside = t.dir / "outside.txt";
  put(outside, "outside stays");
  const sfs::path target = t.dir / "dest" / "file.bin";
  put(target, "old");
  // The names writers used to take (".NAME.mpytmp" of cp, "NAME.mpytmp" of flash read) and the
  // first two names this writer will try: a link to the outside file and a planted regular file.
  for (const char* n : {".file.bin.mpytmp", "file.bin.mpytmp", ".mpytool-aaaaaa.mpytmp"}) {
    sfs::create_symlink(outside, t.dir / "dest" / n);
  }
  put(t.dir / "dest" / ".mpytool-bbbbbb.mpytmp", "planted file stays");
  mpytool::detail::set_next_temp_names({".mpytool-aaaaaa.mpytmp", ".mpytool-bbbbbb.mpytmp"});
  mpytool::write_host_file(target.string(), "new content");
  BOOST_TEST(slurp(target) == "new content");
  BOOST_TEST(slurp(outside) == "outside stays");
  BOOST_TEST(slurp(t.dir / "dest" / ".mpytool-bbbbbb.mpytmp") == "planted file stays");
  for (const char* n : {".file.bin.mpytmp", "file.bin.mpytmp", ".mpytool-aaaaaa.mpytmp"}) {
    BOOST_TEST(S_ISLNK(mode_of(t.dir / "dest" / n)), n);
  }
  BOOST_TEST(names(t.dir / "dest").size() == 5u);  // the four planted names and file.bin

  // Even a dangling planted link (O_CREAT would create its target): nothing appears outside.
  const sfs::path created = t.dir / "would-be-created";
  sfs::create_symlink(created, t.dir / "dest" / ".mpytool-cccccc.mpytmp");
  mpytool::detail::set_next_temp_names({".mpytool-cccccc.mpytmp"});
  mpytool::write_host_file(target.string(), "newer");
  BOOST_TEST(slurp(target) == "newer");
  BOOST_TEST(!sfs::exists(sfs::symlink_status(created)));
}

BOOST_AUTO_TEST_CASE(name_of_255_bytes_is_written) {
  TempDir t;
  const std::string name(255, 'n');
  const sfs::path target = t.dir / name;
  mpytool::write_host_file(target.string(), "long name");
  BOOST_TEST(slurp(target) == "long name");
  mpytool::write_host_file(target.string(), "again");
  BOOST_TEST(slurp(target) == "again");
  BOOST_TEST(names(t.dir) == std::set<std::string>{name});
}

BOOST_AUTO_TEST_CASE(read_only_file_system_is_named_and_nothing_changes) {
  TempDir t;
  // Root passes permission bits: a read-only mount is what refuses it.
  TmpfsMount m(t.dir / "ro", 0, "size=64k");
  if (!m.mounted) {
    BOOST_TEST_MESSAGE("skipped: " + m.why_not());
    return;
  }
  put(m.dir / "old.bin", "old");
  BOOST_REQUIRE(::mount("tmpfs", m.dir.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=64k") == 0);
  for (const char* n : {"old.bin", "new.bin"}) {
    const std::string path = (m.dir / n).string();
    BOOST_TEST(error_of([&] { mpytool::write_host_file(path, "data"); }) ==
               "cannot write '" + path + "': read-only file system");
  }
  BOOST_TEST(slurp(m.dir / "old.bin") == "old");
  BOOST_TEST(names(m.dir) == std::set<std::string>{"old.bin"});
}

BOOST_AUTO_TEST_CASE(permission_denied_is_named) {
  if (::geteuid() == 0) {
    BOOST_TEST_MESSAGE("skipped: root passes permission bits (the read-only mount test covers it)");
    return;
  }
  TempDir t;
  sfs::create_directories(t.dir / "locked");
  ::chmod((t.dir / "locked").c_str(), 0555);
  const std::string path = (t.dir / "locked" / "x").string();
  BOOST_TEST(error_of([&] { mpytool::write_host_file(path, "data"); }) ==
             "cannot write '" + path + "': permission denied");
  BOOST_TEST(names(t.dir / "locked").empty());
  ::chmod((t.dir / "locked").c_str(), 0755);
}

BOOST_AUTO_TEST_CASE(full_file_system_is_named_and_the_old_file_kept) {
  TempDir t;
  TmpfsMount m(t.dir / "small", 0, "size=64k");
  if (!m.mounted) {
    BOOST_TEST_MESSAGE("skipped: " + m.why_not());
    return;
  }
  put(m.dir / "old.bin", "old content");
  const std::string path = (m.dir / "old.bin").string();
  BOOST_TEST(error_of([&] { mpytool::write_host_file(path, std::string(1 << 20, 'z')); }) ==
             "cannot write '" + path + "': no space left on device");
  BOOST_TEST(slurp(m.dir / "old.bin") == "old content");
  BOOST_TEST(names(m.dir) == std::set<std::string>{"old.bin"});
}

BOOST_AUTO_TEST_CASE(writer_takes_pieces_and_shows_nothing_before_commit) {
  TempDir t;
  const sfs::path target = t.dir / "big.bin";
  put(target, "old content");
  ::chmod(target.c_str(), 0640);
  std::string all;
  {
    mpytool::HostFileWriter w(target.string());
    BOOST_TEST(w.is_open());
    for (int i = 0; i < 1000; ++i) {
      const std::string piece(static_cast<std::size_t>(i % 97), static_cast<char>(i & 0xff));
      w.write(piece);
      all += piece;
    }
    // Until the commit the target is the old file; the data is in one temporary file.
    BOOST_TEST(slurp(target) == "old content");
    BOOST_TEST(names(t.dir).size() == 2u);
    w.commit();
    BOOST_TEST(!w.is_open());
  }
  BOOST_TEST(slurp(target) == all);
  BOOST_TEST((mode_of(target) & 07777) == 0640u);
  BOOST_TEST(names(t.dir) == std::set<std::string>{"big.bin"});
}

BOOST_AUTO_TEST_CASE(abort_or_destructor_leaves_the_original_and_no_temporary_file) {
  TempDir t;
  const sfs::path target = t.dir / "keep.bin";
  put(target, "original");
  {
    mpytool::HostFileWriter w(target.string());
    w.write("half of the new");
    w.abort();
    BOOST_TEST(!w.is_open());
    w.abort();  // twice is harmless
  }
  BOOST_TEST(slurp(target) == "original");
  BOOST_TEST(names(t.dir) == std::set<std::string>{"keep.bin"});
  try {
    mpytool::HostFileWriter w(target.string());
    w.write("the new one, interrupted");
    throw std::runtime_error("interrupted");
  } catch (const std::runtime_error&) {
  }
  BOOST_TEST(slurp(target) == "original");
  BOOST_TEST(names(t.dir) == std::set<std::string>{"keep.bin"});
  // A new file that is never committed never appears.
  {
    mpytool::HostFileWriter w((t.dir / "new.bin").string());
    w.write("x");
  }
  BOOST_TEST(names(t.dir) == std::set<std::string>{"keep.bin"});
}

BOOST_AUTO_TEST_CASE(writer_reopened_starts_afresh) {
  TempDir t;
  const sfs::path target = t.dir / "again.bin";
  mpytool::HostFileWriter w(target.string());
  w.write("first try, damaged");
  w.open(target.string());  // the first attempt is dropped
  w.write("second ");
  w.write("try");
  w.commit();
  BOOST_TEST(slurp(target) == "second try");
  BOOST_TEST(names(t.dir) == std::set<std::string>{"again.bin"});
}

BOOST_AUTO_TEST_CASE(writer_not_open_is_an_error) {
  mpytool::HostFileWriter w;
  BOOST_TEST(!w.is_open());
  BOOST_TEST(!error_of([&] { w.write("x"); }).empty());
  BOOST_TEST(!error_of([&] { w.commit(); }).empty());
}

BOOST_AUTO_TEST_CASE(writer_into_a_fifo_streams_the_pieces) {
  TempDir t;
  const sfs::path fifo = t.dir / "pipe";
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string got;
  std::thread reader([&] { got = slurp(fifo); });
  {
    mpytool::HostFileWriter w(fifo.string());
    w.write("one ");
    w.write("two");
    w.commit();
  }
  reader.join();
  BOOST_TEST(got == "one two");
  BOOST_TEST(S_ISFIFO(mode_of(fifo)));
}

BOOST_AUTO_TEST_CASE(writer_on_a_full_file_system_removes_its_temporary_file) {
  TempDir t;
  TmpfsMount m(t.dir / "small", 0, "size=64k");
  if (!m.mounted) {
    BOOST_TEST_MESSAGE("skipped: " + m.why_not());
    return;
  }
  put(m.dir / "old.bin", "old content");
  const std::string path = (m.dir / "old.bin").string();
  mpytool::HostFileWriter w(path);
  const std::string piece(16384, 'z');
  std::string err;
  for (int i = 0; i < 64 && err.empty(); ++i) err = error_of([&] { w.write(piece); });
  BOOST_TEST(err == "cannot write '" + path + "': no space left on device");
  BOOST_TEST(!w.is_open());
  BOOST_TEST(slurp(m.dir / "old.bin") == "old content");
  BOOST_TEST(names(m.dir) == std::set<std::string>{"old.bin"});
}

BOOST_AUTO_TEST_SUITE_END()
