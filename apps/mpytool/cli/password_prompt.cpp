// SPDX-License-Identifier: MIT
// The WebREPL password (password_prompt.hpp): the sources in order, the prompt without echo.
#include "cli/password_prompt.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>

#include "mpytool/base/error.hpp"

namespace mpytool::cli {

namespace {

/// Asks on /dev/tty with echo off; std::nullopt without a terminal.
std::optional<std::string> ask(const std::string& url) {
  const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  termios saved{};
  if (::tcgetattr(fd, &saved) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ICANON;
  // Echo goes off before the prompt shows: what is typed once it is there is never echoed.
  ::tcsetattr(fd, TCSAFLUSH, &quiet);
  const std::string prompt = fmt::format("WebREPL password for {}: ", url);
  (void)!::write(fd, prompt.data(), prompt.size());
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n' && c != '\r') line += c;
  ::tcsetattr(fd, TCSADRAIN, &saved);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return line;
}

}  // namespace

std::string webrepl_password(const GlobalOptions& g, const std::string& url) {
  if (!g.password.empty()) return g.password;
  if (const char* env = std::getenv("MPYTOOL_PASSWORD"); env && *env) return env;
  if (!g.inventory_password.empty()) return g.inventory_password;
  if (::isatty(STDIN_FILENO)) {
    if (auto typed = ask(url); typed && !typed->empty()) return *typed;
  }
  throw UsageError(fmt::format("the WebREPL at {} needs a password", url),
                   "give it with --password PW, the environment MPYTOOL_PASSWORD or the "
                   "inventory entry's password: key");
}

}  // namespace mpytool::cli
