// SPDX-License-Identifier: MIT
/// \file
/// `--vboard`: a private virtual MicroPython board (vboard/vboard.mjs under Node.js) started for
/// one invocation and stopped (SIGTERM) when mpytool ends.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace mpytool::cli {

/// Where vboard.mjs is: $MPYTOOL_VBOARD, else <exe dir>/../share/mpytool/vboard/vboard.mjs,
/// else the source tree. Throws ConnError when none exists.
std::filesystem::path find_vboard_script();

/// A running virtual board.
class VirtualBoard {
 public:
  /// Spawns `node <vboard.mjs> <extra_args...>` and waits up to 20 s for its stdout line
  /// `READY pty=<path> tcp=<host>:<port>`. Throws ConnError when Node.js or the script is
  /// missing, the board exits, or it is not ready in time.
  static std::unique_ptr<VirtualBoard> start(const std::vector<std::string>& extra_args);

  /// Sends SIGTERM and reaps the process.
  ~VirtualBoard();
  VirtualBoard(const VirtualBoard&) = delete;
  VirtualBoard& operator=(const VirtualBoard&) = delete;

  /// "127.0.0.1:<port>".
  const std::string& tcp_address() const noexcept { return tcp_; }
  /// The board's pseudo-terminal, "/dev/pts/N".
  const std::string& pty() const noexcept { return pty_; }

 private:
  VirtualBoard() = default;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::thread drain_;  // keeps reading the board's stdout so it never blocks on a full pipe
  std::string tcp_, pty_;
};

}  // namespace mpytool::cli
