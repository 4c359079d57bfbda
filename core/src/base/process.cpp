// SPDX-License-Identifier: MIT
#include "mpytool/base/process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

namespace mpytool {

namespace fs = std::filesystem;

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

}  // namespace mpytool
