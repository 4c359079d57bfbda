// SPDX-License-Identifier: MIT
#include "mpytool/process/process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace mpytool {

namespace fs = std::filesystem;

namespace {

/// Closes a descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

}  // namespace

std::vector<fs::path> path_dirs(const char* value) {
  std::string v;
  if (value) {
    v = value;
  } else {
    const std::size_t n = ::confstr(_CS_PATH, nullptr, 0);
    v.resize(n);
    if (n > 0) ::confstr(_CS_PATH, v.data(), n);
    while (!v.empty() && v.back() == '\0') v.pop_back();
    if (v.empty()) v = "/bin:/usr/bin";
  }
  std::vector<fs::path> out;
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t end = v.find(':', start);
    if (end == std::string::npos) end = v.size();
    out.emplace_back(end > start ? fs::path(v.substr(start, end - start)) : fs::path("."));
    start = end + 1;
  }
  return out;
}

bool is_executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

fs::path find_executable(const std::string& name, const std::vector<fs::path>& dirs) {
  if (name.empty()) return {};
  if (name.find('/') != std::string::npos) return is_executable(name) ? fs::path(name) : fs::path();
  for (const auto& dir : dirs) {
    fs::path candidate = dir / name;
    if (is_executable(candidate)) return candidate;
  }
  return {};
}

fs::path find_executable(const std::string& name) {
  return find_executable(name, path_dirs(std::getenv("PATH")));
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int spawn_process(pid_t& pid, const std::string& exe, std::vector<char*>& argv, char* const* envp,
                  const SpawnFds& fds) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!fds.stdin_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 0, fds.stdin_path.c_str(), O_RDONLY, 0);
  }
  for (const auto& [from, to] : fds.dup2) posix_spawn_file_actions_adddup2(&actions, from, to);
  for (int fd : fds.close) posix_spawn_file_actions_addclose(&actions, fd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGPIPE);
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  const int rc = ::posix_spawn(&pid, exe.c_str(), &actions, &attr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int wait_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return exit_code_of(status);
}

std::optional<int> poll_child(pid_t pid) {
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == pid) return exit_code_of(status);
  if (r < 0 && errno != EINTR) return -1;
  return std::nullopt;
}

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  ProcessResult result;
  if (argv.empty()) {
    result.err = "no program";
    return result;
  }
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    result.err = std::strerror(errno);
    return result;
  }
  Fd out_r{out_pipe[0]}, out_w{out_pipe[1]};
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.err = std::strerror(errno);
    return result;
  }
  Fd err_r{err_pipe[0]}, err_w{err_pipe[1]};

  SpawnFds fds_in;
  fds_in.stdin_path = "/dev/null";
  fds_in.dup2 = {{out_w.fd, 1}, {err_w.fd, 2}};
  std::vector<std::string> args = argv;
  std::vector<char*> cargs = c_strings(args);
  pid_t pid = -1;
  const int rc = spawn_process(pid, args[0], cargs, environ, fds_in);
  out_w.reset();
  err_w.reset();
  if (rc != 0) {
    result.err = fmt::format("cannot run '{}': {}", args[0], std::strerror(rc));
    return result;
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<pollfd, 2> fds{{{out_r.fd, POLLIN, 0}, {err_r.fd, POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) break;
    for (std::size_t i = 0; n > 0 && i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        fds[i].fd = -1;  // EOF: poll() ignores negative descriptors
        --open_fds;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace mpytool
