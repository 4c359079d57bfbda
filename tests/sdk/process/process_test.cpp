// SPDX-License-Identifier: MIT
// The one PATH lookup: empty entries are the current directory (as execvp), an unset PATH is
// the system default, names with a '/' are taken as they are; and the spawner runs a child
// with the descriptors it was given.
#include "mpytool/process/process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<int>)

namespace sfs = std::filesystem;

BOOST_AUTO_TEST_SUITE(process_test)

BOOST_AUTO_TEST_CASE(path_entries) {
  const auto dirs = mpytool::path_dirs("/a::/b:");
  BOOST_REQUIRE_EQUAL(dirs.size(), 4u);
  BOOST_TEST(dirs[0] == sfs::path("/a"));
  BOOST_TEST(dirs[1] == sfs::path("."));
  BOOST_TEST(dirs[2] == sfs::path("/b"));
  BOOST_TEST(dirs[3] == sfs::path("."));
  BOOST_TEST(mpytool::path_dirs("").size() == 1u);
  const auto defaults = mpytool::path_dirs(nullptr);
  BOOST_TEST(!defaults.empty());
  const bool has_usr_bin =
      std::find(defaults.begin(), defaults.end(), sfs::path("/usr/bin")) != defaults.end();
  BOOST_TEST(has_usr_bin);
}

BOOST_AUTO_TEST_CASE(lookup) {
  const sfs::path dir = sfs::temp_directory_path() / ("mpytool-proc-" + std::to_string(::getpid()));
  sfs::create_directories(dir);
  const sfs::path tool = dir / "tool";
  std::ofstream(tool) << "#!/bin/sh\nexit 3\n";
  BOOST_TEST(mpytool::find_executable("tool", {dir}).empty());  // not executable yet
  sfs::permissions(tool, sfs::perms::owner_all);
  BOOST_TEST(mpytool::find_executable("tool", {"/nonexistent", dir}) == tool);
  BOOST_TEST(mpytool::find_executable(tool.string()) == tool);  // a '/': as it is
  BOOST_TEST(mpytool::find_executable("").empty());
  BOOST_TEST(!mpytool::find_executable("sh").empty());  // from PATH

  // The spawner: the child's stdout goes where the descriptors say.
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  std::vector<std::string> argv_s = {"/bin/sh", "-c", "echo hello; exit 3"};
  std::vector<char*> argv = mpytool::c_strings(argv_s);
  mpytool::SpawnFds io;
  io.stdin_path = "/dev/null";
  io.dup2 = {{fds[1], 1}};
  io.close = {fds[0]};
  pid_t pid = -1;
  BOOST_REQUIRE(mpytool::spawn_process(pid, "/bin/sh", argv, environ, io) == 0);
  ::close(fds[1]);
  char buf[16] = {};
  const ssize_t n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  BOOST_TEST(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0) == "hello\n");
  BOOST_TEST(WEXITSTATUS(status) == 3);
  sfs::remove_all(dir);
}

// The one way to wait for children: exit codes as a shell reports them (128 + signal).
BOOST_AUTO_TEST_CASE(waits_for_children) {
  std::vector<std::string> words{"/bin/sh", "-c", "exit 7"};
  std::vector<char*> argv = mpytool::c_strings(words);
  pid_t pid = -1;
  BOOST_REQUIRE(mpytool::spawn_process(pid, "/bin/sh", argv, environ, {}) == 0);
  BOOST_TEST(mpytool::wait_child(pid) == 7);
  BOOST_TEST(mpytool::wait_child(pid) == -1);  // no such child any more

  std::vector<std::string> sleeper{"/bin/sh", "-c", "exec sleep 30"};
  std::vector<char*> sleep_argv = mpytool::c_strings(sleeper);
  BOOST_REQUIRE(mpytool::spawn_process(pid, "/bin/sh", sleep_argv, environ, {}) == 0);
  BOOST_TEST(!mpytool::poll_child(pid).has_value());
  ::kill(pid, SIGKILL);
  std::optional<int> ended;
  for (int i = 0; i < 500 && !(ended = mpytool::poll_child(pid)); ++i) ::usleep(10000);
  BOOST_TEST(ended == std::optional<int>(128 + SIGKILL));
  BOOST_TEST(mpytool::poll_child(pid) == std::optional<int>(-1));
}

BOOST_AUTO_TEST_SUITE_END()
