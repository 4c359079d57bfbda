// SPDX-License-Identifier: MIT
/// \file
/// Ctrl-C handling. SIGINT sets a flag (never throws from the handler) and forwards one Ctrl-C
/// byte to the board link when it is a plain fd (serial or TCP without TLS), which makes a
/// running program raise KeyboardInterrupt so the blocking exec returns. The dispatcher turns
/// the flag into Interrupted (exit 130). A second Ctrl-C ends the process at once with 130
/// after sending SIGTERM to the virtual board, if one runs.
#pragma once

#include <string>

#include "mpytool/base/error.hpp"

namespace mpytool::cli {

/// Installs the SIGINT handler and ignores SIGPIPE for its lifetime; restores the previous
/// dispositions on destruction. Also clears the interrupt flag.
class SignalGuard {
 public:
  SignalGuard();
  ~SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  struct Saved;
  Saved* saved_;
};

/// True once SIGINT was received.
bool interrupted() noexcept;

/// Forgets a received SIGINT (a command ended quietly because of it); the next Ctrl-C is again
/// a "first" one.
void clear_interrupt() noexcept;

/// Throws Interrupted if SIGINT was received.
void throw_if_interrupted();

/// The link fd that gets a 0x03 byte on SIGINT; -1 for none.
void set_interrupt_fd(int fd) noexcept;

/// A child process (the virtual board) to SIGTERM if a second Ctrl-C exits at once; -1 none.
void set_interrupt_child(int pid) noexcept;

/// Sets the flag as SIGINT would (tests).
void simulate_interrupt() noexcept;

/// `--timeout`: bounds on the time the run (global option) and the running command (the
/// option every board command gets) may take. When the nearer one passes, the run is
/// interrupted as by a first Ctrl-C (flag + Ctrl-C byte to the board) and timed_out() turns
/// true; the dispatcher then reports Timeout (exit 5). If the process is still running
/// kTimeoutGrace seconds later (a board that ignores Ctrl-C), it exits with code 5 at once
/// after printing `mpytool: error: <what> timed out ...`. Both bounds use one SIGALRM timer.
inline constexpr double kTimeoutGrace = 5.0;

/// Bounds the whole run to \p seconds from now (<= 0: no bound); \p what names it in messages.
void set_run_deadline(double seconds, const std::string& what);
/// Bounds the running command to \p seconds from now; <= 0 lifts the command's bound.
void set_command_deadline(double seconds, const std::string& what);
/// True once a deadline passed.
bool timed_out() noexcept;
/// The Timeout error for the deadline that passed: "'cp' timed out after 2 s (--timeout)".
Timeout timeout_error();

}  // namespace mpytool::cli
