// SPDX-License-Identifier: MIT
#include "signals.hpp"

#include <fmt/format.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>

#include "mpytool/base/error.hpp"

namespace mpytool::cli {

namespace {

std::atomic<int> g_interrupts{0};
std::atomic<int> g_board_fd{-1};
std::atomic<int> g_child{-1};

// Only async-signal-safe calls in the handlers and these two (write, kill, _exit).

// A first interrupt: the flag, and a Ctrl-C byte that makes a running program stop.
void interrupt_once() {
  if (g_interrupts.fetch_add(1) == 0) {
    int fd = g_board_fd.load();
    if (fd >= 0) {
      [[maybe_unused]] auto n = ::write(fd, "\x03", 1);
    }
  }
}

// The run ignored the interrupt: stop the virtual board, say \p msg, exit with \p code.
[[noreturn]] void hard_exit(const char* msg, int code) {
  int child = g_child.load();
  if (child > 0) ::kill(child, SIGTERM);
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, std::strlen(msg));
  ::_exit(code);
}

extern "C" void on_sigint(int) {
  if (g_interrupts.load() == 0) {
    interrupt_once();
  } else {
    hard_exit("\nInterrupted\n", 130);
  }
}

using Clock = std::chrono::steady_clock;

/// A --timeout bound: when it passes and what it is called.
struct Deadline {
  Clock::time_point at;
  double seconds = 0;
  std::string what;
};
std::optional<Deadline> g_run_deadline;
std::optional<Deadline> g_command_deadline;
std::optional<Deadline> g_fired;  // the bound that passed (set outside the handler)
std::atomic<int> g_timeouts{0};
// What the handler prints before a hard exit: prepared outside it (no formatting in a handler).
char g_hard_message[256] = "mpytool: error: timed out\n";

extern "C" void on_sigalrm(int) {
  if (g_timeouts.fetch_add(1) == 0) {
    interrupt_once();  // as a first Ctrl-C
  } else {
    // The grace period passed too: the board or a host wait ignored the interrupt.
    hard_exit(g_hard_message, static_cast<int>(ExitCode::kTimeout));
  }
}

const std::optional<Deadline>& nearest() {
  if (g_run_deadline && g_command_deadline) {
    return g_command_deadline->at < g_run_deadline->at ? g_command_deadline : g_run_deadline;
  }
  return g_command_deadline ? g_command_deadline : g_run_deadline;
}

std::string describe(const Deadline& d) {
  return fmt::format("{} timed out after {:g} s (--timeout)", d.what, d.seconds);
}

// Sets the SIGALRM timer to the nearest bound, then every kTimeoutGrace seconds (the second
// expiry ends the process). Nothing armed once a bound fired: the grace period runs on.
void arm_timer() {
  if (g_timeouts.load() > 0) return;
  itimerval t{};
  const auto& d = nearest();
  if (d) {
    g_fired = d;
    const std::string msg =
        fmt::format("mpytool: error: {}; the run did not stop within {:g} s, exiting\n",
                    describe(*d), kTimeoutGrace);
    std::snprintf(g_hard_message, sizeof g_hard_message, "%s", msg.c_str());
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(d->at - Clock::now());
    const long long us = std::max<long long>(left.count(), 1);
    t.it_value.tv_sec = static_cast<time_t>(us / 1000000);
    t.it_value.tv_usec = static_cast<suseconds_t>(us % 1000000);
    t.it_interval.tv_sec = static_cast<time_t>(kTimeoutGrace);
  }
  setitimer(ITIMER_REAL, &t, nullptr);
}

std::optional<Deadline> make_deadline(double seconds, const std::string& what) {
  if (seconds <= 0) return std::nullopt;
  const auto span =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  return Deadline{Clock::now() + span, seconds, what};
}

}  // namespace

struct SignalGuard::Saved {
  struct sigaction int_action {};
  struct sigaction pipe_action {};
  struct sigaction alrm_action {};
};

SignalGuard::SignalGuard() : saved_(new Saved) {
  g_interrupts = 0;
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking reads return EINTR so the flag is seen early
  sigaction(SIGINT, &sa, &saved_->int_action);
  g_timeouts = 0;
  g_run_deadline.reset();
  g_command_deadline.reset();
  g_fired.reset();
  struct sigaction alrm {};
  alrm.sa_handler = on_sigalrm;
  sigemptyset(&alrm.sa_mask);
  alrm.sa_flags = 0;  // no SA_RESTART, as for SIGINT
  sigaction(SIGALRM, &alrm, &saved_->alrm_action);
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, &saved_->pipe_action);
}

SignalGuard::~SignalGuard() {
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  g_run_deadline.reset();
  g_command_deadline.reset();
  g_board_fd = -1;
  g_child = -1;
  sigaction(SIGINT, &saved_->int_action, nullptr);
  sigaction(SIGALRM, &saved_->alrm_action, nullptr);
  sigaction(SIGPIPE, &saved_->pipe_action, nullptr);
  delete saved_;
}

bool interrupted() noexcept { return g_interrupts.load() > 0; }

void clear_interrupt() noexcept { g_interrupts = 0; }

void throw_if_interrupted() {
  if (interrupted()) throw Interrupted();
}

void set_interrupt_fd(int fd) noexcept { g_board_fd = fd; }

void set_interrupt_child(int pid) noexcept { g_child = pid; }

void simulate_interrupt() noexcept { g_interrupts.fetch_add(1); }

void set_run_deadline(double seconds, const std::string& what) {
  g_run_deadline = make_deadline(seconds, what);
  arm_timer();
}

void set_command_deadline(double seconds, const std::string& what) {
  g_command_deadline = make_deadline(seconds, what);
  arm_timer();
}

bool timed_out() noexcept { return g_timeouts.load() > 0; }

Timeout timeout_error() {
  return Timeout(g_fired ? describe(*g_fired) : std::string("timed out (--timeout)"));
}

}  // namespace mpytool::cli
