// SPDX-License-Identifier: MIT
#include "vboard.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <boost/dll/runtime_symbol_info.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "dispatch/signals.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/process/process.hpp"

extern char** environ;

#ifndef MPYTOOL_SOURCE_VBOARD
#define MPYTOOL_SOURCE_VBOARD ""
#endif

namespace mpytool::cli {

namespace fs = std::filesystem;

namespace {

constexpr auto kReadyTimeout = std::chrono::seconds(20);

/// Parses `READY pty=<path> tcp=<addr>`; false if \p line is not the READY line.
bool parse_ready(const std::string& line, std::string& pty, std::string& tcp) {
  if (line.rfind("READY", 0) != 0) return false;
  std::size_t pos = 5;
  while (pos < line.size()) {
    while (pos < line.size() && line[pos] == ' ') ++pos;
    std::size_t end = line.find(' ', pos);
    if (end == std::string::npos) end = line.size();
    std::string field = line.substr(pos, end - pos);
    if (field.rfind("pty=", 0) == 0) pty = field.substr(4);
    if (field.rfind("tcp=", 0) == 0) tcp = field.substr(4);
    pos = end;
  }
  return !tcp.empty();
}

}  // namespace

fs::path find_vboard_script() {
  std::vector<fs::path> tried;
  if (const char* env = std::getenv("MPYTOOL_VBOARD"); env && *env) {
    fs::path p = env;
    if (fs::is_regular_file(p)) return p;
    throw ConnError(fmt::format("virtual board not found: '{}'", p.string()),
                    "MPYTOOL_VBOARD must name the vboard.mjs file");
  }
  std::error_code ec;
  fs::path exe = boost::dll::program_location(ec);
  if (!ec) {
    tried.push_back(exe.parent_path() / ".." / "share" / "mpytool" / "vboard" / "vboard.mjs");
  }
  if (*MPYTOOL_SOURCE_VBOARD) tried.emplace_back(MPYTOOL_SOURCE_VBOARD);
  for (const auto& p : tried) {
    if (fs::is_regular_file(p, ec)) return fs::weakly_canonical(p, ec);
  }
  throw ConnError("virtual board not found (vboard.mjs)",
                  "set MPYTOOL_VBOARD to the path of vboard/vboard.mjs");
}

std::unique_ptr<VirtualBoard> VirtualBoard::start(const std::vector<std::string>& extra_args) {
  fs::path node = find_executable("node");
  if (node.empty()) throw ConnError("--vboard needs Node.js ('node' not found on PATH)");
  fs::path script = find_vboard_script();

  int pipefd[2];
  if (::pipe(pipefd) != 0) throw ConnError(fmt::format("pipe: {}", std::strerror(errno)));

  std::vector<std::string> argv_s = {node.string(), script.string()};
  argv_s.insert(argv_s.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv = c_strings(argv_s);

  // The board gets default signal dispositions, not our Ctrl-C handler's choices.
  pid_t pid = -1;
  int rc = spawn_process(pid, node.string(), argv, environ,
                         SpawnFds{{{pipefd[1], STDOUT_FILENO}}, {pipefd[0], pipefd[1]}, {}});
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    throw ConnError(fmt::format("cannot start the virtual board: {}", std::strerror(rc)));
  }

  std::unique_ptr<VirtualBoard> board(new VirtualBoard);
  board->pid_ = pid;
  set_interrupt_child(pid);
  board->stdout_fd_ = pipefd[0];

  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  std::string buffer;
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      throw ConnError("the virtual board did not become ready within 20 s");
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    pollfd p{board->stdout_fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(ms));
    if (r < 0 && errno == EINTR) throw Interrupted();
    if (r <= 0) continue;
    char chunk[512];
    ssize_t n = ::read(board->stdout_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) throw Interrupted();
    if (n <= 0) throw ConnError("the virtual board exited before it was ready");
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t nl;
    bool ready = false;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      logger().debug("vboard: {}", line);
      // `ERROR<TAB>message<TAB>hint`: the board cannot start (its npm packages are missing).
      if (line.rfind("ERROR\t", 0) == 0) {
        const std::string rest = line.substr(6);
        const auto tab = rest.find('\t');
        throw ConnError(rest.substr(0, tab), tab == std::string::npos ? "" : rest.substr(tab + 1));
      }
      if (parse_ready(line, board->pty_, board->tcp_)) {
        ready = true;
        break;
      }
    }
    if (ready) break;
  }
  int fd = board->stdout_fd_;
  board->drain_ = std::thread([fd] {
    char chunk[512];
    for (;;) {
      ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n == 0 || (n < 0 && errno != EINTR)) break;
    }
  });
  return board;
}

VirtualBoard::~VirtualBoard() {
  set_interrupt_child(-1);
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    // Give it 3 s to go, then SIGKILL: a stuck board must not hang mpytool's exit.
    for (int i = 0; i < 300; ++i) {
      if (poll_child(pid_)) {
        pid_ = -1;
        break;
      }
      ::usleep(10000);
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait_child(pid_);
    }
  }
  if (drain_.joinable()) drain_.join();  // the pipe reaches EOF once the board is gone
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

}  // namespace mpytool::cli
