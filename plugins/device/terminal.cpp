// SPDX-License-Identifier: MIT
#include "terminal.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "mpytool/base/error.hpp"

namespace mpytool::device {

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (::tcgetattr(fd_, &saved_) != 0) {
    throw MpyError(fmt::format("cannot read the terminal settings: {}", host_error_text(errno)));
  }
  termios raw = saved_;
  ::cfmakeraw(&raw);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  // TCSANOW, not TCSAFLUSH: keys typed ahead (before the REPL was ready) still reach the board.
  if (::tcsetattr(fd_, TCSANOW, &raw) != 0) {
    throw MpyError(fmt::format("cannot set the terminal to raw mode: {}", host_error_text(errno)));
  }
}

RawTerminal::~RawTerminal() { ::tcsetattr(fd_, TCSADRAIN, &saved_); }

void run_terminal(Conn& conn, int in_fd, const std::function<void(std::string_view)>& out,
                  const std::function<bool()>& stop) {
  // Output that an earlier command read past its own reply; read() never returns it.
  if (Bytes early = conn.flush(); !early.empty()) out(early);
  const int board_fd = conn.fd();
  for (;;) {
    if (stop && stop()) return;
    // Drains the board first: a TLS link may hold decrypted bytes that poll() cannot see.
    Bytes data = conn.read(0);
    if (!data.empty()) out(data);
    pollfd fds[2] = {{in_fd, POLLIN, 0}, {board_fd, POLLIN, 0}};
    const nfds_t count = board_fd >= 0 ? 2 : 1;
    // Without a board fd the link is polled every 10 ms; after output, look again at once.
    const int wait_ms = !data.empty() ? 0 : (board_fd >= 0 ? 1000 : 10);
    if (::poll(fds, count, wait_ms) < 0) {
      if (errno == EINTR) continue;
      throw MpyError(fmt::format("terminal poll failed: {}", host_error_text(errno)));
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[256];
      const ssize_t n = ::read(in_fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        throw MpyError(fmt::format("terminal read failed: {}", host_error_text(errno)));
      }
      if (n == 0) return;  // the terminal went away
      std::string_view keys(buf, static_cast<std::size_t>(n));
      const auto exit_at = keys.find(kTerminalExitKey);
      if (exit_at != std::string_view::npos) {
        if (exit_at > 0) conn.write(keys.substr(0, exit_at));
        return;
      }
      conn.write(keys);
    }
    // Board data (and a hang-up, which read() turns into ConnError) is handled at the top.
  }
}

}  // namespace mpytool::device
