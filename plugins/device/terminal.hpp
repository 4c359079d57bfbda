// SPDX-License-Identifier: MIT
/// \file
/// The interactive terminal behind `repl` (docs/compatibility.md, "Terminal, edit, speedtest, rtc",
/// Unix): the local tty in raw mode and a single-threaded poll() loop that passes keys to the board
/// and board output to stdout.
#pragma once

#include <termios.h>

#include <functional>
#include <string_view>

#include "mpytool/link/conn.hpp"

namespace mpytool::device {

/// Ctrl-] ends the terminal session; every other byte goes to the board.
inline constexpr char kTerminalExitKey = '\x1d';

/// Puts a terminal in raw mode (no echo, no line editing, no signals from Ctrl-C/Ctrl-Z, no
/// output processing) and restores the saved settings on destruction, on every exit path.
class RawTerminal {
 public:
  /// Switches \p fd to raw mode. Throws MpyError when \p fd is not a terminal.
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  termios saved_{};
};

/// Runs the session until the user types Ctrl-], \p in_fd reaches end of file or \p stop
/// returns true (checked at least once a second). Bytes read from \p in_fd go to the board
/// unchanged (Ctrl-C and Ctrl-D included); board output (read through Conn::read(), so escape
/// handlers such as a mount's VFS server keep working) and bytes already buffered in \p conn
/// go to \p out raw. Throws ConnError when the link is lost.
void run_terminal(Conn& conn, int in_fd, const std::function<void(std::string_view)>& out,
                  const std::function<bool()>& stop);

}  // namespace mpytool::device
