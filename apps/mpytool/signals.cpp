// SPDX-License-Identifier: MIT
#include "signals.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>

#include "mpytool/error.hpp"

namespace mpytool::cli {

namespace {

std::atomic<int> g_interrupts{0};
std::atomic<int> g_board_fd{-1};
std::atomic<int> g_child{-1};

extern "C" void on_sigint(int) {
  // Only async-signal-safe calls here (write, kill, _exit).
  if (g_interrupts.fetch_add(1) == 0) {
    int fd = g_board_fd.load();
    if (fd >= 0) {
      [[maybe_unused]] auto n = ::write(fd, "\x03", 1);
    }
  } else {
    int child = g_child.load();
    if (child > 0) ::kill(child, SIGTERM);
    static const char msg[] = "\nInterrupted\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(130);
  }
}

}  // namespace

struct SignalGuard::Saved {
  struct sigaction int_action {};
  struct sigaction pipe_action {};
};

SignalGuard::SignalGuard() : saved_(new Saved) {
  g_interrupts = 0;
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking reads return EINTR so the flag is seen early
  sigaction(SIGINT, &sa, &saved_->int_action);
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, &saved_->pipe_action);
}

SignalGuard::~SignalGuard() {
  g_board_fd = -1;
  g_child = -1;
  sigaction(SIGINT, &saved_->int_action, nullptr);
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

}  // namespace mpytool::cli
