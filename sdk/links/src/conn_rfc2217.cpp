// SPDX-License-Identifier: MIT
// ConnRfc2217: a remote serial port over telnet's COM-PORT-OPTION (RFC 2217).
#include "mpytool/links/conn_rfc2217.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <thread>
#include <utility>

#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/link/connector.hpp"
#include "telnet.hpp"

namespace mpytool::links {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// TCP connect limit, as ConnSocket's.
constexpr double kConnectTimeout = 5.0;
/// The least time a baud change may take to be acknowledged.
constexpr double kBaudTimeout = 2.0;
/// Most bytes one read_available() takes from the socket.
constexpr std::size_t kReadLimit = 256 * 1024;
/// Most data bytes one write_some() encodes and sends.
constexpr std::size_t kWriteChunk = 16 * 1024;
/// Acknowledgement values kept per command while nobody waits for them.
constexpr std::size_t kKeptAcks = 64;

// RFC 2217 client subcommands; the server answers with the code + 100.
constexpr std::uint8_t kSignature = 0;
constexpr std::uint8_t kSetBaudrate = 1;
constexpr std::uint8_t kSetDatasize = 2;
constexpr std::uint8_t kSetParity = 3;
constexpr std::uint8_t kSetStopsize = 4;
constexpr std::uint8_t kSetControl = 5;
constexpr std::uint8_t kNotifyLinestate = 6;
constexpr std::uint8_t kNotifyModemstate = 7;
constexpr std::uint8_t kFlowSuspend = 8;
constexpr std::uint8_t kFlowResume = 9;
constexpr std::uint8_t kPurgeData = 12;
constexpr std::uint8_t kServerOffset = 100;

constexpr std::uint8_t kDtrOn = 8, kDtrOff = 9, kRtsOn = 11, kRtsOff = 12;
constexpr std::uint8_t kParityNone = 1, kStopOne = 1, kDataBits = 8;
constexpr std::uint8_t kPurgeBoth = 3;

std::string reason(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

double seconds_left(Clock::time_point deadline) {
  return std::max(0.0, std::chrono::duration<double>(deadline - Clock::now()).count());
}

Clock::time_point after(double seconds) {
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

int poll_ms(double seconds) { return static_cast<int>(std::ceil(std::max(0.0, seconds) * 1000)); }

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

/// A command code and its one-byte value.
std::string code_value(std::uint8_t code, std::uint8_t value) {
  return {static_cast<char>(code), static_cast<char>(value)};
}

std::uint32_t read_be32(std::string_view v) {
  if (v.size() < 4) return 0;
  std::uint32_t out = 0;
  for (int i = 0; i < 4; ++i) out = out << 8 | static_cast<std::uint8_t>(v[i]);
  return out;
}

const char* control_name(std::uint8_t value) {
  switch (value) {
    case kDtrOn:
      return "DTR on";
    case kDtrOff:
      return "DTR off";
    case kRtsOn:
      return "RTS on";
    case kRtsOff:
      return "RTS off";
    default:
      return "the control setting";
  }
}

/// A failure of one connection attempt; the caller words it ("cannot open ..." or a reconnect).
struct AttemptError {
  std::string why;
  std::string hint;
};

}  // namespace

Rfc2217Options Rfc2217Options::from_url(const LinkUrl& url) {
  Rfc2217Options o;
  std::vector<std::string> unknown;
  for (const auto& [key, value] : url.options) {
    if (key == "ign_set_control") {
      if (!value.empty()) {
        throw UsageError(fmt::format("option 'ign_set_control' takes no value in '{}'", url.text));
      }
      o.ign_set_control = true;
    } else if (key == "timeout") {
      double seconds = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() ||
          !(seconds > 0) || seconds > 3600) {
        throw UsageError(
            fmt::format("option 'timeout' needs seconds (0 < SEC <= 3600) in '{}'", url.text));
      }
      o.timeout = seconds;
    } else {
      unknown.push_back(fmt::format("'{}'", key));
    }
  }
  if (!unknown.empty()) {
    std::string names;
    for (const auto& n : unknown) names += (names.empty() ? "" : ", ") + n;
    throw UsageError(
        fmt::format("unknown option{} {} in '{}' (known: ign_set_control, timeout=SEC)",
                    unknown.size() > 1 ? "s" : "", names, url.text));
  }
  return o;
}

struct ConnRfc2217::Impl {
  LinkUrl url;
  Rfc2217Options opts;
  std::string base;
  int baud = 115200;
  int fd = -1;
  telnet::Decoder decoder;
  telnet::Handlers handlers;
  Bytes pending;     ///< data bytes decoded and not yet returned
  Bytes replies;     ///< telnet answers produced while decoding, sent right after
  bool eof = false;  ///< the server closed the connection after the data in pending

  struct OptionState {
    bool we_requested = false, we_enabled = false;      // our WILL
    bool they_requested = false, they_enabled = false;  // our DO
    bool refused_local = false, refused_remote = false;
  };
  std::array<OptionState, 256> options{};
  bool comport_refused = false;

  /// The acknowledgements of one client command: sequence numbers 1, 2, ... in sending order.
  struct Acks {
    std::uint64_t sent = 0, received = 0;
    std::uint64_t base = 0;  ///< values holds the answers base+1 .. received
    std::deque<Bytes> values;
  };
  std::array<Acks, 16> acks{};
  bool purging = false;

  std::optional<std::uint8_t> modem, line;
  bool suspended = false;

  Impl();
  void reset_session();
  void connect();
  void negotiate(int baud_wanted);
  void open(int baud_wanted);
  void close();

  void send_raw(std::string_view bytes);
  /// Reads what the socket has within \p timeout, decodes it; false when nothing came.
  bool pump(double timeout);
  /// Reads without blocking until the socket is empty (or kReadLimit); notes EOF.
  void drain();
  std::uint64_t send_command(std::uint8_t code, std::string_view value);
  /// Waits until acknowledgement \p seq of \p code came; its value, or nullopt on timeout.
  std::optional<Bytes> wait_ack(std::uint8_t code, std::uint64_t seq, double timeout);
  void on_option(std::uint8_t verb, std::uint8_t opt);
  void on_subnegotiation(std::uint8_t opt, std::string_view payload);
  void set_control(std::uint8_t value);
};

ConnRfc2217::Impl::Impl() {
  handlers.option = [this](std::uint8_t verb, std::uint8_t opt) { on_option(verb, opt); };
  handlers.subnegotiation = [this](std::uint8_t opt, std::string_view p) {
    on_subnegotiation(opt, p);
  };
  handlers.command = [](std::uint8_t cmd) {
    logger().debug("RFC 2217 RX: telnet command {}", cmd);
  };
}

void ConnRfc2217::Impl::reset_session() {
  decoder.reset();
  replies.clear();
  eof = false;
  options = {};
  comport_refused = false;
  acks = {};
  purging = false;
  modem.reset();
  line.reset();
  suspended = false;
}

void ConnRfc2217::Impl::close() {
  if (fd >= 0) ::close(std::exchange(fd, -1));
}

void ConnRfc2217::Impl::connect() {
  boost::asio::io_context io;
  try {
    fd = connect_tcp(io, url.host, url.port, kConnectTimeout).release();
  } catch (const TcpConnectError& e) {
    throw AttemptError{e.reason, {}};
  }
  // Non-blocking as the reads and writes here expect; not inherited by child processes.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

void ConnRfc2217::Impl::send_raw(std::string_view bytes) {
  if (fd < 0) throw ConnError("Not connected");
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{fd, POLLOUT, 0};
      ::poll(&pfd, 1, 1000);
      continue;
    }
    throw ConnLost("Connection lost: " + reason(errno));
  }
}

void ConnRfc2217::Impl::drain() {
  char chunk[4096];
  std::size_t total = 0;
  while (total < kReadLimit) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      decoder.feed(std::string_view(chunk, static_cast<std::size_t>(n)), pending, handlers);
      continue;
    }
    if (n == 0) {
      eof = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    const int err = errno;
    if (!replies.empty()) replies.clear();
    throw ConnLost("Connection lost: " + reason(err));
  }
  if (!replies.empty()) send_raw(std::exchange(replies, {}));
}

bool ConnRfc2217::Impl::pump(double timeout) {
  if (fd < 0) throw ConnError("Not connected");
  if (eof) throw ConnLost("Connection closed");
  pollfd pfd{fd, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, poll_ms(timeout));
  if (ready < 0) {
    if (errno == EINTR) return false;
    throw ConnLost("Connection lost: " + reason(errno));
  }
  if (ready == 0) return false;
  drain();
  if (eof) throw ConnLost("Connection closed");
  return true;
}

std::uint64_t ConnRfc2217::Impl::send_command(std::uint8_t code, std::string_view value) {
  std::string payload(1, static_cast<char>(code));
  payload += value;
  send_raw(telnet::subnegotiation(telnet::kComPort, payload));
  return ++acks[code].sent;
}

std::optional<Bytes> ConnRfc2217::Impl::wait_ack(std::uint8_t code, std::uint64_t seq,
                                                 double timeout) {
  Acks& a = acks[code];
  const auto deadline = after(timeout);
  while (a.received < seq) {
    const double left = seconds_left(deadline);
    if (left <= 0) return std::nullopt;
    pump(left);
  }
  Bytes value;
  if (seq > a.base && seq - a.base <= a.values.size()) value = a.values[seq - a.base - 1];
  while (a.base < seq && !a.values.empty()) {
    a.values.pop_front();
    ++a.base;
  }
  return value;
}

void ConnRfc2217::Impl::on_option(std::uint8_t verb, std::uint8_t opt) {
  using namespace telnet;
  OptionState& s = options[opt];
  const bool local_ok = opt == kBinary || opt == kSga || opt == kComPort;
  const bool remote_ok = opt == kBinary || opt == kEcho || opt == kSga || opt == kComPort;
  // Never answer a confirmation of the state an option is already in, and refuse an option we
  // do not support once: no negotiation loop with any server.
  switch (verb) {
    case kWill:
      if (remote_ok) {
        if (!s.they_enabled) {
          s.they_enabled = true;
          if (!s.they_requested) replies += option(kDo, opt);
          s.they_requested = false;
        }
      } else if (!s.refused_remote) {
        s.refused_remote = true;
        replies += option(kDont, opt);
      }
      break;
    case kWont:
      if (s.they_enabled) {
        s.they_enabled = false;
        replies += option(kDont, opt);
      }
      s.they_requested = false;
      break;
    case kDo:
      if (local_ok) {
        if (!s.we_enabled) {
          s.we_enabled = true;
          if (!s.we_requested) replies += option(kWill, opt);
          s.we_requested = false;
        }
      } else if (!s.refused_local) {
        s.refused_local = true;
        replies += option(kWont, opt);
      }
      break;
    case kDont:
      if (s.we_enabled) {
        s.we_enabled = false;
        replies += option(kWont, opt);
      }
      if (opt == kComPort) comport_refused = true;  // refused, or withdrawn
      s.we_requested = false;
      break;
    default:
      break;
  }
}

void ConnRfc2217::Impl::on_subnegotiation(std::uint8_t opt, std::string_view payload) {
  if (opt != telnet::kComPort || payload.empty()) return;
  const auto code = static_cast<std::uint8_t>(payload[0]);
  const std::string_view value = payload.substr(1);
  if (code < kServerOffset) return;  // a client's command: not for us
  const std::uint8_t command = code - kServerOffset;
  switch (command) {
    case kSignature:
      if (value.empty()) {  // the server asks for ours
        replies += telnet::subnegotiation(telnet::kComPort, std::string(1, kSignature) + "mpytool");
      } else {
        logger().debug("RFC 2217 server: {}", value);
      }
      return;
    case kNotifyLinestate:
      if (!value.empty()) line = static_cast<std::uint8_t>(value[0]);
      return;
    case kNotifyModemstate:
      if (!value.empty()) modem = static_cast<std::uint8_t>(value[0]);
      return;
    case kFlowSuspend:
      suspended = true;
      logger().debug("RFC 2217 server: flow control suspend (the server buffers)");
      return;
    case kFlowResume:
      suspended = false;
      return;
    default:
      break;
  }
  if (command >= acks.size()) return;
  Acks& a = acks[command];
  ++a.received;
  a.values.emplace_back(value);
  if (a.values.size() > kKeptAcks) {
    a.values.pop_front();
    ++a.base;
  }
  if (command == kPurgeData && purging && a.received >= a.sent) pending.clear();
}

void ConnRfc2217::Impl::negotiate(int baud_wanted) {
  using namespace telnet;
  options[kEcho].they_requested = true;
  options[kSga].we_requested = true;
  options[kSga].they_requested = true;
  options[kComPort].we_requested = true;
  options[kComPort].they_requested = true;
  send_raw(option(kDo, kEcho) + option(kWill, kSga) + option(kDo, kSga) + option(kWill, kComPort) +
           option(kDo, kComPort));
  // COM-PORT commands may go once the server said DO COM-PORT-OPTION.
  const auto deadline = after(opts.timeout);
  while (!options[kComPort].we_enabled) {
    if (comport_refused) {
      throw AttemptError{"the server refused COM-PORT-OPTION",
                         "not an RFC 2217 server? a raw TCP port is -p socket://HOST:PORT"};
    }
    const double left = seconds_left(deadline);
    if (left <= 0) {
      throw AttemptError{fmt::format("no RFC 2217 server answered within {:g}s", opts.timeout),
                         "a raw TCP port is -p socket://HOST:PORT; a slow link takes ?timeout=SEC"};
    }
    pump(left);
  }
  // The port settings in one write, then their acknowledgements.
  Bytes settings = telnet::subnegotiation(
      kComPort, std::string(1, kSetBaudrate) + be32(static_cast<std::uint32_t>(baud_wanted)));
  settings += telnet::subnegotiation(kComPort, code_value(kSetDatasize, kDataBits));
  settings += telnet::subnegotiation(kComPort, code_value(kSetParity, kParityNone));
  settings += telnet::subnegotiation(kComPort, code_value(kSetStopsize, kStopOne));
  send_raw(settings);
  std::array<std::uint64_t, 5> seq{};
  for (std::uint8_t c = kSetBaudrate; c <= kSetStopsize; ++c) seq[c] = ++acks[c].sent;
  std::array<Bytes, 5> answer;
  const auto settings_deadline = after(opts.timeout);
  for (std::uint8_t c = kSetBaudrate; c <= kSetStopsize; ++c) {
    auto v = wait_ack(c, seq[c], seconds_left(settings_deadline));
    if (!v) {
      throw AttemptError{
          fmt::format("the serial server did not acknowledge the port settings within {:g}s",
                      opts.timeout),
          "a slow link takes ?timeout=SEC"};
    }
    answer[c] = *v;
  }
  const std::uint32_t got = read_be32(answer[kSetBaudrate]);
  if (got != static_cast<std::uint32_t>(baud_wanted)) {
    throw AttemptError{
        fmt::format("the serial server refused {} baud (the port is at {})", baud_wanted, got), {}};
  }
  const auto byte = [](const Bytes& v) { return v.empty() ? -1 : static_cast<std::uint8_t>(v[0]); };
  if (byte(answer[kSetDatasize]) != kDataBits || byte(answer[kSetParity]) != kParityNone ||
      byte(answer[kSetStopsize]) != kStopOne) {
    throw AttemptError{fmt::format("the serial server refused 8N1 (it answered data size {}, "
                                   "parity {}, stop size {})",
                                   byte(answer[kSetDatasize]), byte(answer[kSetParity]),
                                   byte(answer[kSetStopsize])),
                       {}};
  }
  baud = baud_wanted;
}

void ConnRfc2217::Impl::open(int baud_wanted) {
  close();
  reset_session();
  try {
    connect();
    negotiate(baud_wanted);
  } catch (...) {
    close();
    throw;
  }
}

void ConnRfc2217::Impl::set_control(std::uint8_t value) {
  const std::uint64_t seq = send_command(kSetControl, std::string(1, static_cast<char>(value)));
  if (opts.ign_set_control) return;
  const auto v = wait_ack(kSetControl, seq, opts.timeout);
  if (!v) {
    throw ConnError(fmt::format("the serial server did not acknowledge {} within {:g}s",
                                control_name(value), opts.timeout),
                    fmt::format("for a server that never does (esp_rfc2217_server): {}?"
                                "ign_set_control",
                                base));
  }
  if (v->empty() || static_cast<std::uint8_t>((*v)[0]) != value) {
    throw ConnError(fmt::format("the serial server refused {} (it answered {})",
                                control_name(value),
                                v->empty() ? -1 : static_cast<std::uint8_t>((*v)[0])));
  }
}

// ---------------------------------------------------------------------------------------------

ConnRfc2217::ConnRfc2217(const LinkUrl& url, int baud) : impl_(std::make_unique<Impl>()) {
  if (url.scheme != "rfc2217") {
    throw UsageError(fmt::format("'{}' is not an rfc2217:// URL", url.text));
  }
  impl_->url = url;
  impl_->opts = Rfc2217Options::from_url(url);
  impl_->base = url.base();
  impl_->baud = baud;
  logger().info("Connecting to: {}", impl_->base);
  try {
    impl_->open(baud);
  } catch (const AttemptError& e) {
    throw ConnError(fmt::format("cannot open '{}': {}", impl_->base, e.why), e.hint);
  } catch (const ConnError& e) {  // the server closed the connection while negotiating
    std::string why = e.what();
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    throw ConnError(fmt::format("cannot open '{}': {}", impl_->base, why));
  }
  logger().info("connected ({} baud)", impl_->baud);
}

ConnRfc2217::ConnRfc2217(const std::string& url, int baud)
    : ConnRfc2217(parse_link_url(url), baud) {}

ConnRfc2217::~ConnRfc2217() { impl_->close(); }

int ConnRfc2217::fd() const { return impl_->fd; }

void ConnRfc2217::close() { impl_->close(); }

std::string ConnRfc2217::description() const { return impl_->base; }

int ConnRfc2217::baud() const noexcept { return impl_->baud; }

void ConnRfc2217::set_baud(int baud) {
  const int old = impl_->baud;
  const double timeout = std::max(kBaudTimeout, impl_->opts.timeout);
  const std::uint64_t seq =
      impl_->send_command(kSetBaudrate, be32(static_cast<std::uint32_t>(baud)));
  const auto v = impl_->wait_ack(kSetBaudrate, seq, timeout);
  if (!v) {
    throw ConnError(
        fmt::format("the serial server did not acknowledge {} baud within {:g}s", baud, timeout));
  }
  const auto got = static_cast<int>(read_be32(*v));
  if (got == baud) {
    impl_->baud = baud;
    logger().info("{} now at {} baud", impl_->base, baud);
    return;
  }
  // The server answers with the rate in effect.
  if (got > 0) impl_->baud = got;
  throw ConnError(fmt::format("the serial server refused {} baud (the port {} at {})", baud,
                              impl_->baud == old ? "stays" : "is", impl_->baud));
}

void ConnRfc2217::set_dtr(bool on) { impl_->set_control(on ? kDtrOn : kDtrOff); }

void ConnRfc2217::set_rts(bool on) { impl_->set_control(on ? kRtsOn : kRtsOff); }

void ConnRfc2217::run_reset_sequence(const ResetSequence& seq) {
  logger().info("reset sequence {} over {}", format_reset_sequence(seq), impl_->base);
  Bytes batch;
  const auto control = [&](std::uint8_t value) {
    batch += telnet::subnegotiation(telnet::kComPort, code_value(kSetControl, value));
    ++impl_->acks[kSetControl].sent;  // answered later, consumed without a wait
  };
  const auto flush = [&] {
    if (!batch.empty()) impl_->send_raw(std::exchange(batch, {}));
  };
  for (const ResetStep& step : seq) {
    switch (step.kind) {
      case ResetStep::Kind::kDtr:
        control(step.dtr ? kDtrOn : kDtrOff);
        break;
      case ResetStep::Kind::kRts:
        control(step.rts ? kRtsOn : kRtsOff);
        break;
      case ResetStep::Kind::kBoth:
        control(step.dtr ? kDtrOn : kDtrOff);
        control(step.rts ? kRtsOn : kRtsOff);
        break;
      case ResetStep::Kind::kWait:
        flush();
        std::this_thread::sleep_for(std::chrono::duration<double>(step.seconds));
        break;
    }
  }
  flush();
}

void ConnRfc2217::hard_reset() { run_reset_sequence(rts_reset_sequence()); }

void ConnRfc2217::reset_to_bootloader() { run_reset_sequence(bootloader_reset_sequence()); }

void ConnRfc2217::purge() {
  const std::uint64_t seq =
      impl_->send_command(kPurgeData, std::string(1, static_cast<char>(kPurgeBoth)));
  impl_->purging = true;
  std::optional<Bytes> v;
  try {
    v = impl_->wait_ack(kPurgeData, seq, impl_->opts.timeout);
  } catch (...) {
    impl_->purging = false;
    throw;
  }
  impl_->purging = false;
  if (!v) {
    throw ConnError(fmt::format("the serial server did not acknowledge the purge within {:g}s",
                                impl_->opts.timeout));
  }
  clear_buffer();
}

void ConnRfc2217::reconnect(double timeout) {
  const auto deadline = after(timeout);
  std::string last_error;
  for (;;) {
    try {
      impl_->pending.clear();
      impl_->open(impl_->baud);
      clear_buffer();
      logger().info("reconnected to {}", impl_->base);
      return;
    } catch (const AttemptError& e) {
      last_error = e.why;
    } catch (const ConnError& e) {
      last_error = e.what();
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(200ms);
  }
  throw ConnError(
      fmt::format("Could not reconnect to {} within {:g}s: {}", impl_->base, timeout, last_error));
}

std::optional<std::uint8_t> ConnRfc2217::modem_state() const noexcept { return impl_->modem; }

std::optional<std::uint8_t> ConnRfc2217::line_state() const noexcept { return impl_->line; }

bool ConnRfc2217::flow_suspended() const noexcept { return impl_->suspended; }

const Rfc2217Options& ConnRfc2217::options() const noexcept { return impl_->opts; }

const std::string& ConnRfc2217::host() const noexcept { return impl_->url.host; }

unsigned short ConnRfc2217::port() const noexcept { return impl_->url.port; }

bool ConnRfc2217::wait_readable(double timeout) {
  if (impl_->fd < 0) throw ConnError("Not connected");
  if (!impl_->pending.empty() || impl_->eof) return true;
  pollfd pfd{impl_->fd, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, poll_ms(timeout));
  if (ready < 0) {
    if (errno == EINTR) return false;
    throw ConnLost("Connection lost: " + reason(errno));
  }
  return ready > 0;
}

Bytes ConnRfc2217::read_available() {
  if (impl_->fd < 0) throw ConnError("Not connected");
  if (!impl_->eof) impl_->drain();
  if (impl_->pending.empty() && impl_->eof) throw ConnLost("Connection closed");
  return std::exchange(impl_->pending, {});
}

std::size_t ConnRfc2217::write_some(std::string_view data) {
  const std::string_view chunk = data.substr(0, kWriteChunk);
  impl_->send_raw(telnet::escape(chunk));
  return chunk.size();
}

void ConnRfc2217::wait_writable(double timeout) {
  if (impl_->fd < 0) throw ConnError("Not connected");
  pollfd pfd{impl_->fd, POLLOUT, 0};
  if (::poll(&pfd, 1, poll_ms(timeout)) < 0 && errno != EINTR) {
    throw ConnLost("Connection lost: " + reason(errno));
  }
}

}  // namespace mpytool::links
