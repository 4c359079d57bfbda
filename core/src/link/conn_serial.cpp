// SPDX-License-Identifier: MIT
// ConnSerial: a POSIX termios serial port (docs/compatibility.md, "The link", "Reset"). Also used
// on pseudo-terminals, which accept the termios settings but have no modem lines.

#include "mpytool/link/conn_serial.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>

#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/link/ports.hpp"

namespace mpytool {

namespace {

using namespace std::chrono_literals;

/// The kernel's struct termios2 (asm-generic layout). <asm/termbits.h> cannot be included next
/// to glibc's <termios.h>, so it is declared here under the name the TCGETS2/TCSETS2 macros
/// use; only needed for baud rates without a Bxxx constant.
struct termios2 {
  tcflag_t c_iflag;
  tcflag_t c_oflag;
  tcflag_t c_cflag;
  tcflag_t c_lflag;
  cc_t c_line;
  cc_t c_cc[19];
  speed_t c_ispeed;
  speed_t c_ospeed;
};
constexpr tcflag_t kBother = 0010000;  // BOTHER from <asm/termbits.h>
/// Most bytes one read_available() returns.
constexpr std::size_t kReadLimit = 256 * 1024;

/// strerror() in lower case, the way our messages quote reasons.
std::string reason(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

/// Maps a baud rate to its termios constant, or B0 when it needs termios2/BOTHER.
speed_t standard_speed(int baud) {
  static constexpr std::pair<int, speed_t> kSpeeds[] = {
      {50, B50},           {75, B75},           {110, B110},         {134, B134},
      {150, B150},         {200, B200},         {300, B300},         {600, B600},
      {1200, B1200},       {1800, B1800},       {2400, B2400},       {4800, B4800},
      {9600, B9600},       {19200, B19200},     {38400, B38400},     {57600, B57600},
      {115200, B115200},   {230400, B230400},   {460800, B460800},   {500000, B500000},
      {576000, B576000},   {921600, B921600},   {1000000, B1000000}, {1152000, B1152000},
      {1500000, B1500000}, {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000},
      {3500000, B3500000}, {4000000, B4000000}};
  for (const auto& [rate, speed] : kSpeeds) {
    if (rate == baud) return speed;
  }
  return B0;
}

tcflag_t char_size(int data_bits) {
  return data_bits == 5 ? CS5 : data_bits == 6 ? CS6 : data_bits == 7 ? CS7 : CS8;
}

/// Raw 8N1-style settings from \p settings with non-blocking reads (VMIN = VTIME = 0).
void apply_termios(termios& tio, speed_t speed, const SerialSettings& settings) {
  cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
  tio.c_cflag |= char_size(settings.data_bits);
  if (settings.parity == 'E' || settings.parity == 'O') tio.c_cflag |= PARENB;
  if (settings.parity == 'O') tio.c_cflag |= PARODD;
  if (settings.stop_bits == 2) tio.c_cflag |= CSTOPB;
  if (settings.rtscts) tio.c_cflag |= CRTSCTS;
  tio.c_iflag &= ~(IXON | IXOFF | IXANY);
  if (settings.xonxoff) tio.c_iflag |= IXON | IXOFF;
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  cfsetispeed(&tio, speed);
  cfsetospeed(&tio, speed);
}

/// Sets a baud rate that has no Bxxx constant through termios2 (e.g. 74880 for ESP8266 ROMs).
bool set_custom_baud(int fd, int baud) {
  termios2 tio2{};
  if (::ioctl(fd, TCGETS2, &tio2) < 0) return false;
  tio2.c_cflag &= ~static_cast<tcflag_t>(CBAUD);
  tio2.c_cflag |= kBother;
  tio2.c_ispeed = static_cast<speed_t>(baud);
  tio2.c_ospeed = static_cast<speed_t>(baud);
  return ::ioctl(fd, TCSETS2, &tio2) == 0;
}

/// Opens and configures \p port; returns the fd or throws ConnError "cannot open 'P': ...".
int open_port(const std::string& port, int baud, const SerialSettings& settings) {
  const int fd = ::open(port.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  auto fail = [&](int err, std::string why = {}) {
    if (fd >= 0) ::close(fd);
    if (why.empty()) why = reason(err);
    std::string hint;
    if (err == EACCES) hint = "add yourself to the 'dialout' group";
    if (err == EBUSY || err == EWOULDBLOCK) hint = "is another program using the port?";
    throw ConnError(fmt::format("cannot open '{}': {}", port, why), hint);
  };
  if (fd < 0) fail(errno);
  if (settings.exclusive) {
    // TIOCEXCL stops other open() calls; flock() also stops tools that check it (pyserial).
    if (::flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) fail(EBUSY);
    ::ioctl(fd, TIOCEXCL);
  }
  termios tio{};
  if (::tcgetattr(fd, &tio) < 0) fail(errno, errno == ENOTTY ? "not a serial port" : "");
  const speed_t speed = standard_speed(baud);
  apply_termios(tio, speed == B0 ? B38400 : speed, settings);
  if (::tcsetattr(fd, TCSANOW, &tio) < 0) fail(errno);
  if (speed == B0 && !set_custom_baud(fd, baud)) {
    fail(errno, fmt::format("unsupported baud rate {}", baud));
  }
  return fd;
}

bool set_modem_line(int fd, int line, bool on) {
  return ::ioctl(fd, on ? TIOCMBIS : TIOCMBIC, &line) == 0;
}

}  // namespace

ConnSerial::ConnSerial(std::string port, int baud, SerialSettings settings)
    : port_(std::move(port)), baud_(baud), settings_(settings) {
  const PortInfo info = port_info(port_);
  identity_ = info;
  type_ = info.type == "unknown" || info.type.empty() ? "serial" : info.type;
  open();
  if (info.vid >= 0) {
    logger().info("Connected to {} [{:04X}:{:04X} {}]", port_, info.vid, info.pid, type_);
  } else {
    logger().info("Connected to {} [unknown serial port]", port_);
  }
}

ConnSerial::~ConnSerial() {
  try {
    close();
  } catch (...) {
    // A destructor must not throw; the port is gone either way.
  }
}

void ConnSerial::open() {
  fd_ = open_port(port_, baud_, settings_);
  // Like pyserial, assert DTR and RTS together: an ESP32 auto-reset circuit only resets when
  // exactly one of them is active. A pty has no modem lines; ignore that there.
  const bool dtr_ok = set_modem_line(fd_, TIOCM_DTR, true);
  const bool rts_ok = settings_.rtscts || set_modem_line(fd_, TIOCM_RTS, true);
  if ((!dtr_ok || !rts_ok) && type_ != "serial") {
    logger().debug("cannot set DTR/RTS on '{}': {}", port_, reason(errno));
  }
}

int ConnSerial::fd() const { return fd_; }

void ConnSerial::close() {
  if (fd_ < 0) return;
  if (type_ == "USB-UART") {
    // Drop RTS, then DTR, before the driver does it on close in an order that resets an ESP32.
    set_modem_line(fd_, TIOCM_RTS, false);
    set_modem_line(fd_, TIOCM_DTR, false);
  }
  ::close(std::exchange(fd_, -1));
}

std::string ConnSerial::description() const { return port_; }

std::string ConnSerial::type_name() const { return type_; }

// MPYTOOL_MODEM_TRACE=FILE (a test seam; a pty has no modem lines): reset sequences append
// "<ms since the first change> DTR|RTS <0|1>" lines to FILE instead of driving the lines.
namespace {

struct ModemTrace {
  std::FILE* file = nullptr;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  ModemTrace() {
    if (const char* path = std::getenv("MPYTOOL_MODEM_TRACE"); path && *path) {
      file = std::fopen(path, "a");
    }
  }
  ~ModemTrace() {
    if (file) std::fclose(file);
  }
  bool record(const char* line, bool on) {
    if (!file) return false;
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(file, "%.1f %s %d\n", ms, line, on ? 1 : 0);
    std::fflush(file);
    return true;
  }
};

ModemTrace& modem_trace() {
  static ModemTrace trace;
  return trace;
}

}  // namespace

void ConnSerial::set_line(int line, bool on) {
  if (fd_ < 0) throw ConnError("Not connected");
  if (modem_trace().record(line == TIOCM_DTR ? "DTR" : "RTS", on)) return;
  if (!set_modem_line(fd_, line, on)) {
    if (errno == ENOTTY || errno == EINVAL) {
      throw ConnError("Hardware reset not supported on " + type_);
    }
    throw ConnLost("Connection lost: " + reason(errno));
  }
}

void ConnSerial::set_baud(int baud) {
  termios tio{};
  const speed_t speed = standard_speed(baud);
  if (fd_ < 0 || ::tcgetattr(fd_, &tio) < 0 || cfsetspeed(&tio, speed == B0 ? B38400 : speed) < 0 ||
      ::tcsetattr(fd_, TCSADRAIN, &tio) < 0 || (speed == B0 && !set_custom_baud(fd_, baud))) {
    throw ConnError(fmt::format("cannot set {} baud on '{}': {}", baud, port_, reason(errno)));
  }
  baud_ = baud;
}

void ConnSerial::set_dtr(bool on) { set_line(TIOCM_DTR, on); }

void ConnSerial::set_rts(bool on) { set_line(TIOCM_RTS, on); }

void ConnSerial::set_dtr_rts(bool dtr, bool rts) {
  if (fd_ < 0) throw ConnError("Not connected");
  if (modem_trace().file) {
    modem_trace().record("DTR", dtr);
    modem_trace().record("RTS", rts);
    return;
  }
  int bits = 0;
  if (::ioctl(fd_, TIOCMGET, &bits) != 0) {
    throw ConnError("Hardware reset not supported on " + type_);
  }
  bits = dtr ? bits | TIOCM_DTR : bits & ~TIOCM_DTR;
  bits = rts ? bits | TIOCM_RTS : bits & ~TIOCM_RTS;
  if (::ioctl(fd_, TIOCMSET, &bits) != 0) throw ConnLost("Connection lost: " + reason(errno));
}

void ConnSerial::run_reset_sequence(const ResetSequence& seq) {
  logger().info("reset sequence {}", format_reset_sequence(seq));
  for (const ResetStep& step : seq) {
    switch (step.kind) {
      case ResetStep::Kind::kDtr:
        set_dtr(step.dtr);
        break;
      case ResetStep::Kind::kRts:
        set_rts(step.rts);
        break;
      case ResetStep::Kind::kBoth:
        set_dtr_rts(step.dtr, step.rts);
        break;
      case ResetStep::Kind::kWait:
        std::this_thread::sleep_for(std::chrono::duration<double>(step.seconds));
        break;
    }
  }
}

void ConnSerial::hard_reset() {
  // Native USB (CDC) boards have no auto-reset circuit; their DTR/RTS mean something else. A
  // board profile that knows better gives its own sequence (run_reset_sequence()).
  if (type_ != "USB-UART") throw ConnError("Hardware reset not supported on " + type_);
  run_reset_sequence(rts_reset_sequence());
}

void ConnSerial::reset_to_bootloader() {
  if (type_ != "USB-UART") throw ConnError("Bootloader reset not supported on " + type_);
  run_reset_sequence(bootloader_reset_sequence());
}

void ConnSerial::reconnect(double timeout) {
  close();
  const auto start = std::chrono::steady_clock::now();
  const auto limit = std::chrono::duration<double>(timeout);
  while (std::chrono::steady_clock::now() - start < limit) {
    try {
      // A USB-CDC board may come back under another name: follow its serial number/location.
      if (const std::string now = find_same_port(identity_, list_ports());
          !now.empty() && now != port_) {
        logger().info("{} is now {}", port_, now);
        port_ = now;
      }
      open();
      clear_buffer();
      // A re-enumerated USB device needs a moment before it talks reliably.
      std::this_thread::sleep_for(500ms);
      int pending = 0;
      if (::ioctl(fd_, FIONREAD, &pending) == 0) return;
      close();
    } catch (const ConnError&) {
      // Not back yet (ENOENT while USB re-enumerates, EBUSY while udev holds it).
    }
    std::this_thread::sleep_for(100ms);
  }
  throw ConnError(fmt::format("Could not reconnect to {} within {:g}s", port_, timeout));
}

bool ConnSerial::wait_readable(double timeout) {
  if (fd_ < 0) throw ConnError("Not connected");
  pollfd pfd{fd_, POLLIN, 0};
  const int ms = static_cast<int>(std::ceil(std::max(0.0, timeout) * 1000));
  const int ready = ::poll(&pfd, 1, ms);
  if (ready < 0) {
    if (errno == EINTR) return false;
    throw ConnLost("Connection lost: " + reason(errno));
  }
  // POLLHUP/POLLERR count as readable: read_available() then reports the loss.
  return ready > 0;
}

Bytes ConnSerial::read_available() {
  if (fd_ < 0) throw ConnError("Not connected");
  Bytes data;
  char chunk[4096];
  // Bounded, so a board streaming at full speed cannot keep this loop going forever.
  while (data.size() < kReadLimit) {
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      data.append(chunk, static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < sizeof chunk) break;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
    if (n < 0) throw ConnLost("Connection lost: " + reason(errno));
    // read() == 0 on a non-blocking tty: no data, unless the line hung up (USB unplugged).
    pollfd pfd{fd_, POLLIN, 0};
    if (data.empty() && ::poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR))) {
      throw ConnError("Connection lost: device disconnected");
    }
    break;
  }
  return data;
}

std::size_t ConnSerial::write_some(std::string_view data) {
  if (fd_ < 0) throw ConnError("Not connected");
  const ssize_t n = ::write(fd_, data.data(), data.size());
  if (n >= 0) return static_cast<std::size_t>(n);
  if (errno == EAGAIN || errno == EINTR) return 0;
  throw ConnLost("Connection lost: " + reason(errno));
}

void ConnSerial::wait_writable(double timeout) {
  if (fd_ < 0) throw ConnError("Not connected");
  pollfd pfd{fd_, POLLOUT, 0};
  const int ms = static_cast<int>(std::ceil(std::max(0.0, timeout) * 1000));
  if (::poll(&pfd, 1, ms) < 0 && errno != EINTR) {
    throw ConnLost("Connection lost: " + reason(errno));
  }
}

}  // namespace mpytool
