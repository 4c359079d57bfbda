// SPDX-License-Identifier: MIT
/// \file
/// Ctrl-C handling. SIGINT sets a flag (never throws from the handler) and forwards one Ctrl-C
/// byte to the board link when it is a plain fd (serial or TCP without TLS), which makes a
/// running program raise KeyboardInterrupt so the blocking exec returns. The dispatcher turns
/// the flag into Interrupted (exit 130). A second Ctrl-C ends the process at once with 130
/// after sending SIGTERM to the virtual board, if one runs.
#pragma once

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

}  // namespace mpytool::cli
