// SPDX-License-Identifier: MIT
// fork/exec/wait (posix_spawn) rather than execv: the in-process tests need to get control back,
// and waiting costs nothing visible. SIGINT reaches the child through the terminal's process
// group; we wait for it and return its exit code.
#include "external_command.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <system_error>

#include "mpytool/base/error.hpp"
#include "mpytool/process/process.hpp"

extern char** environ;

namespace mpytool::cli {

namespace fs = std::filesystem;

namespace {

fs::path libexec_dir() {
  std::error_code ec;
  fs::path exe = boost::dll::program_location(ec);
  if (ec) return {};
  return exe.parent_path() / ".." / "libexec" / "mpytool";
}

std::vector<fs::path> exec_search_path() {
  std::vector<fs::path> dirs;
  if (const char* v = std::getenv("MPYTOOL_EXEC_PATH"); v && *v) dirs = path_dirs(v);
  if (fs::path d = libexec_dir(); !d.empty()) dirs.push_back(d);
  for (auto& d : path_dirs(std::getenv("PATH"))) dirs.push_back(d);
  return dirs;
}

std::string join(const std::vector<fs::path>& dirs) {
  std::string s;
  for (const auto& d : dirs) {
    if (!s.empty()) s += ':';
    s += d.string();
  }
  return s;
}

}  // namespace

fs::path find_external_command(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos) return {};
  return find_executable("mpytool-" + name, exec_search_path());
}

std::vector<std::string> list_external_commands() {
  std::vector<std::string> names;
  for (const auto& dir : exec_search_path()) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string file = it->path().filename().string();
      if (file.rfind("mpytool-", 0) != 0 || !is_executable(it->path())) continue;
      std::string name = file.substr(8);
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::pair<std::string, std::string>> external_environment(
    const GlobalOptions& g, const std::vector<fs::path>& plugin_path) {
  std::vector<std::pair<std::string, std::string>> env;
  if (!g.port.empty()) env.emplace_back("MPYTOOL_PORT", g.port);
  if (!g.address.empty()) env.emplace_back("MPYTOOL_ADDRESS", g.address);
  env.emplace_back("MPYTOOL_BAUD", std::to_string(g.baud));
  env.emplace_back("MPYTOOL_VERBOSE", std::to_string(g.verbosity));
  env.emplace_back("MPYTOOL_DEBUG", std::to_string(g.debug));
  if (g.tls.enabled) env.emplace_back("MPYTOOL_SSL", "1");
  env.emplace_back("MPYTOOL_PLUGIN_PATH", join(plugin_path));
  std::vector<fs::path> exec_path;
  if (const char* v = std::getenv("MPYTOOL_EXEC_PATH"); v && *v) exec_path = path_dirs(v);
  if (fs::path d = libexec_dir(); !d.empty()) exec_path.push_back(d);
  env.emplace_back("MPYTOOL_EXEC_PATH", join(exec_path));
  return env;
}

int run_external_command(const fs::path& exe, const std::vector<std::string>& args,
                         const std::vector<std::pair<std::string, std::string>>& env,
                         std::ostream& out, std::ostream& err, bool inherit_stdio) {
  std::vector<std::string> argv_s = {exe.string()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv = c_strings(argv_s);

  // Our environment with the MPYTOOL_* settings replaced.
  std::map<std::string, std::string> overrides(env.begin(), env.end());
  std::vector<std::string> env_s;
  for (char** e = environ; e && *e; ++e) {
    std::string entry = *e;
    std::string key = entry.substr(0, entry.find('='));
    if (!overrides.count(key)) env_s.push_back(entry);
  }
  for (const auto& [k, v] : overrides) env_s.push_back(k + "=" + v);
  std::vector<char*> envp = c_strings(env_s);

  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  SpawnFds fds;
  if (!inherit_stdio) {
    if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) {
      throw MpyError(fmt::format("cannot run '{}': {}", exe.string(), std::strerror(errno)));
    }
    fds.dup2 = {{out_pipe[1], STDOUT_FILENO}, {err_pipe[1], STDERR_FILENO}};
    fds.close = {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]};
  }
  pid_t pid = -1;
  int rc = spawn_process(pid, exe.string(), argv, envp.data(), fds);
  if (!inherit_stdio) {
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
  }
  if (rc != 0) {
    if (!inherit_stdio) {
      ::close(out_pipe[0]);
      ::close(err_pipe[0]);
    }
    throw MpyError(fmt::format("cannot run '{}': {}", exe.string(), std::strerror(rc)));
  }

  if (!inherit_stdio) {
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::ostream* streams[2] = {&out, &err};
    int open_count = 2;
    while (open_count > 0) {
      int r = ::poll(fds, 2, -1);
      if (r < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[4096];
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n > 0) {
          streams[i]->write(buf, n);
        } else if (n == 0 || errno != EINTR) {
          ::close(fds[i].fd);
          fds[i].fd = -1;
          --open_count;
        }
      }
    }
    for (auto& f : fds) {
      if (f.fd >= 0) ::close(f.fd);
    }
  }

  const int exit_code = wait_child(pid);
  return exit_code < 0 ? 1 : exit_code;
}

}  // namespace mpytool::cli
