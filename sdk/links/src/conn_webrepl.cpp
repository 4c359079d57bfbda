// SPDX-License-Identifier: MIT
// ConnWebrepl: MicroPython's WebREPL as a Conn (Boost.Beast WebSocket client over FrameTap).
#include "mpytool/links/conn_webrepl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <chrono>
#include <deque>
#include <optional>
#include <thread>

#include "frame_tap.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/link/connector.hpp"

namespace mpytool::links {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

/// What the board says around the login (modwebrepl.c).
constexpr std::string_view kPasswordPrompt = "Password: ";
constexpr std::string_view kConnected = "WebREPL connected";
constexpr std::string_view kDenied = "Access denied";
constexpr std::string_view kPrompt = ">>> ";
/// The board prints this before a soft reset closes the session.
constexpr std::string_view kSoftReboot = "soft reboot";
/// How much of the REPL output is kept to spot kSoftReboot.
constexpr std::size_t kTailKeep = 64;
/// Longest binary frame sent whole; longer data goes out in frames of this size.
constexpr std::size_t kMaxBinaryFrame = 32 * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// The board took the connection while another client had its one WebREPL slot (101, EOF).
class SlotBusy : public ConnError {
 public:
  using ConnError::ConnError;
};

/// How long a refused client tries again: a client that just left is released by the board
/// only when it handles the socket's close, which may come after the next accept.
constexpr auto kBusyRetry = std::chrono::seconds(2);

bool closed_by_peer(const error_code& ec) {
  return ec == asio::error::eof || ec == websocket::error::closed ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_aborted;
}

}  // namespace

bool is_webrepl_url(std::string_view text) {
  const std::string head = lower(text.substr(0, 6));
  return head.starts_with("ws://") || head.starts_with("wss://");
}

struct ConnWebrepl::Impl {
  std::string url;
  std::string host;
  unsigned short port = ConnWebrepl::kDefaultPort;
  std::string path = "/";
  bool secure = false;
  WebreplOptions options;

  asio::io_context io;
  std::optional<tcp::socket> socket;
  std::optional<TlsSession> ssl;
  detail::RawTransport transport;
  std::optional<websocket::stream<detail::FrameTap>> ws;

  std::string text;                // REPL output not taken yet
  std::deque<std::string> binary;  // binary messages not taken yet
  std::string tail;                // the last REPL output, to spot a soft reboot
  bool raw_mode = false;           // the host's last Ctrl-A / Ctrl-B
  bool logging_in = false;
  int relogins = 0;

  std::string address() const { return host_port(host, port); }
  std::string base() const { return fmt::format("{}://{}", secure ? "wss" : "ws", address()); }

  void parse(const std::string& text);
  void ws_handshake();
  void login();
  void open_session();
  void drop() noexcept;
  bool pump(double timeout);
  void received(std::string message, bool is_text);
  [[noreturn]] void fail(const error_code& ec);
  bool relogin_after_reset(const error_code& ec);
  void write_frame(std::string_view data, bool is_text);
};

void ConnWebrepl::Impl::parse(const std::string& text) {
  url = text;
  const auto sep = text.find("://");
  secure = lower(text.substr(0, sep)) == "wss";
  std::string rest = text.substr(sep + 3);
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    path = rest.substr(slash);
    rest.erase(slash);
  }
  if (rest.empty()) {
    throw UsageError(fmt::format("invalid WebREPL URL '{}': no host", text),
                     "e.g. -a ws://192.168.4.1 or -a ws://board.local:8266");
  }
  try {
    std::tie(host, port) = parse_address(rest, ConnWebrepl::kDefaultPort);
  } catch (const UsageError&) {
    throw UsageError(fmt::format("invalid WebREPL URL '{}': expected HOST[:PORT]", text),
                     "e.g. -a ws://192.168.4.1 or -a ws://board.local:8266");
  }
}

void ConnWebrepl::Impl::ws_handshake() {
  transport.socket = &*socket;
  transport.ssl = ssl ? &ssl->stream : nullptr;
  transport.read_timeout = options.timeout;
  error_code ignored;
  socket->non_blocking(true, ignored);
  ws.emplace(transport, io.get_executor());
  ws->auto_fragment(false);
  ws->read_message_max(detail::FrameTap::kMaxFrame);
  ws->set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    // The board looks for "Upgrade" in Connection, case-sensitively; Beast writes "upgrade".
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::user_agent, "mpytool");
  }));
  websocket::response_type response;
  error_code ec;
  ws->handshake(response, address(), path, ec);
  if (!ec) return;
  if (ec == asio::error::timed_out) {
    throw ConnError(fmt::format("{} did not answer the WebSocket handshake within {}s", address(),
                                options.timeout));
  }
  if (response.result_int() != 0 && response.result() != http::status::switching_protocols) {
    if (response.result() == http::status::ok) {
      throw ConnError(
          fmt::format("{} is not a WebREPL endpoint (it served a web page; is webrepl started?)",
                      address()),
          "on the board: import webrepl; webrepl.start() (or import webrepl_setup)");
    }
    throw ConnError(fmt::format("{} is not a WebREPL endpoint (HTTP {} to the WebSocket upgrade)",
                                address(), response.result_int()));
  }
  throw ConnError(
      fmt::format("WebSocket handshake with {} failed: {}", address(), error_reason(ec)));
}

void ConnWebrepl::Impl::login() {
  logging_in = true;
  const auto deadline = Clock::now() + std::chrono::duration<double>(options.timeout);
  const auto left = [&] {
    return std::max(0.0, std::chrono::duration<double>(deadline - Clock::now()).count());
  };
  const auto wait_for = [&](auto&& done, auto&& on_eof) {
    for (;;) {
      if (done()) return;
      if (left() <= 0) {
        throw ConnError(fmt::format("webrepl at {}: no login prompt within {}s (it said '{}')",
                                    address(), options.timeout, text.substr(0, 40)));
      }
      try {
        pump(left());
      } catch (const ConnLost&) {
        on_eof();
        throw;
      }
    }
  };
  wait_for(
      [&] { return text.find(kPasswordPrompt) != std::string::npos; },
      [&] {
        throw SlotBusy(fmt::format(
            "webrepl at {} refused: another client is connected (WebREPL takes one)", address()));
      });
  text.clear();
  // The password goes out here and nowhere else: never through Conn::write and its wire log.
  write_frame(options.password + "\r", true);
  const auto denied = [&] {
    throw ConnError(fmt::format("webrepl at {}: access denied (wrong password)", address()),
                    "give the password with --password, MPYTOOL_PASSWORD or the inventory");
  };
  wait_for(
      [&] {
        if (text.find(kDenied) != std::string::npos) denied();
        const auto at = text.find(kConnected);
        return at != std::string::npos && text.find(kPrompt, at) != std::string::npos;
      },
      denied);
  // Hand the core a clean REPL: nothing of the login, as a freshly opened port.
  text.erase(0, text.find(kPrompt, text.find(kConnected)) + kPrompt.size());
  tail.clear();
  logging_in = false;
}

void ConnWebrepl::Impl::open_session() {
  drop();
  text.clear();
  binary.clear();
  socket.emplace(connect_tcp(io, host, port, options.timeout));
  if (secure) ssl.emplace(io, *socket, host, options.tls, options.timeout);
  ws_handshake();
  login();
}

void ConnWebrepl::Impl::drop() noexcept {
  error_code ignored;
  ws.reset();
  ssl.reset();
  if (socket) socket->close(ignored);
  socket.reset();
}

void ConnWebrepl::Impl::received(std::string message, bool is_text) {
  if (!is_text) {
    binary.push_back(std::move(message));
    return;
  }
  tail += message;
  if (tail.size() > kTailKeep) tail.erase(0, tail.size() - kTailKeep);
  text += message;
}

bool ConnWebrepl::Impl::pump(double timeout) {
  if (!ws) throw ConnError("Not connected");
  if (!ws->next_layer().has_input(timeout)) return false;
  beast::flat_buffer buffer;
  error_code ec;
  ws->read(buffer, ec);
  if (ec) {
    if (relogin_after_reset(ec)) return true;
    fail(ec);
  }
  const auto data = buffer.data();
  received(std::string(static_cast<const char*>(data.data()), data.size()),
           ws->next_layer().text());
  return true;
}

void ConnWebrepl::Impl::fail(const error_code& ec) {
  const std::uint64_t oversize = ws ? ws->next_layer().oversize() : 0;
  drop();
  if (oversize != 0) {
    throw ConnError(fmt::format(
        "webrepl at {}: the board sent a frame of {} bytes or more (WebREPL frames are under "
        "64 KiB)",
        address(), oversize));
  }
  if (closed_by_peer(ec)) throw ConnLost("Connection closed");
  throw ConnLost("Connection lost: " + error_reason(ec));
}

bool ConnWebrepl::Impl::relogin_after_reset(const error_code& ec) {
  if (logging_in || !closed_by_peer(ec) || tail.find(kSoftReboot) == std::string::npos) {
    return false;
  }
  // A soft reset ends the board's WebREPL session; boot.py starts WebREPL again.
  std::string pending = std::move(text);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  std::string last_error;
  for (;;) {
    try {
      open_session();
      break;
    } catch (const ConnError& e) {
      last_error = e.what();
      if (last_error.find("access denied") != std::string::npos) throw;
    }
    if (Clock::now() >= deadline) {
      drop();
      throw ConnLost("WebREPL session closed by a soft reset; logging in again failed: " +
                     last_error);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ++relogins;
  const std::string message = "WebREPL session closed by a soft reset: reconnected";
  if (options.notice) {
    options.notice(message);
  } else {
    logger().info("{}", message);
  }
  // In the friendly REPL the board's new session starts at its prompt (as a serial link shows
  // it after the reboot); in the raw REPL Ctrl-A brings the banner instead.
  text = std::move(pending) + (raw_mode ? "" : std::string(kPrompt)) + text;
  // The board is back in the raw REPL when it was there: Ctrl-A brings its banner, which the
  // core waits for after a soft reboot as on a serial link.
  if (raw_mode) write_frame("\x01", true);
  return true;
}

void ConnWebrepl::Impl::write_frame(std::string_view data, bool is_text) {
  if (!ws) throw ConnError("Not connected");
  if (is_text) {
    ws->text(true);
  } else {
    ws->binary(true);
  }
  error_code ec;
  ws->write(asio::buffer(data.data(), data.size()), ec);
  if (!ec) return;
  if (relogin_after_reset(ec)) {
    write_frame(data, is_text);
    return;
  }
  fail(ec);
}

ConnWebrepl::ConnWebrepl(const std::string& url, WebreplOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (!is_webrepl_url(url)) {
    throw UsageError(fmt::format("invalid WebREPL URL '{}': expected ws:// or wss://", url));
  }
  impl_->options = std::move(options);
  impl_->parse(url);
  if (impl_->secure) impl_->options.tls.enabled = true;
  logger().info("Connecting to: {} [{}]", impl_->base(), impl_->secure ? "wss" : "ws");
  const auto busy_until = Clock::now() + kBusyRetry;
  for (;;) {
    try {
      impl_->open_session();
      break;
    } catch (const SlotBusy&) {
      impl_->drop();
      if (Clock::now() >= busy_until) throw;
      logger().debug("the board's WebREPL is busy: trying again");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } catch (...) {
      impl_->drop();
      throw;
    }
  }
  logger().info("connected, logged in");
}

ConnWebrepl::~ConnWebrepl() { close(); }

int ConnWebrepl::fd() const {
  return impl_->socket && impl_->socket->is_open()
             ? static_cast<int>(impl_->socket->native_handle())
             : -1;
}

void ConnWebrepl::close() {
  if (impl_->ws && impl_->socket && impl_->socket->is_open()) {
    // Send the close frame, then drop TCP: the board answers 88 00 and keeps the session until
    // TCP closes, so waiting for it gains nothing.
    impl_->ws->next_layer().stop_reading();
    error_code ignored;
    impl_->ws->close(websocket::close_code::normal, ignored);
  }
  impl_->drop();
}

std::string ConnWebrepl::description() const { return impl_->base(); }

void ConnWebrepl::reconnect(double timeout) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout);
  std::string last_error;
  for (;;) {
    try {
      impl_->open_session();
      clear_buffer();
      return;
    } catch (const ConnError& e) {
      last_error = e.what();
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  throw ConnError(
      fmt::format("Could not reconnect to {} within {}s: {}", impl_->base(), timeout, last_error));
}

void ConnWebrepl::send_binary(std::string_view frame) {
  do {
    const std::size_t n = std::min(frame.size(), kMaxBinaryFrame);
    impl_->write_frame(frame.substr(0, n), false);
    frame.remove_prefix(n);
  } while (!frame.empty());
}

std::string ConnWebrepl::read_binary(double timeout) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout);
  for (;;) {
    if (!impl_->binary.empty()) {
      std::string message = std::move(impl_->binary.front());
      impl_->binary.pop_front();
      return message;
    }
    const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
    if (left <= 0) {
      throw Timeout(fmt::format("no binary frame from the board within {}s", timeout));
    }
    impl_->pump(left);
  }
}

int ConnWebrepl::relogins() const noexcept { return impl_->relogins; }

bool ConnWebrepl::wait_readable(double timeout) {
  if (!impl_->ws) throw ConnError("Not connected");
  const auto deadline = Clock::now() + std::chrono::duration<double>(std::max(0.0, timeout));
  for (;;) {
    if (impl_->options.interrupt_requested && impl_->options.interrupt_requested()) {
      impl_->write_frame("\x03", true);
    }
    if (!impl_->text.empty()) return true;
    const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
    if (!impl_->pump(std::max(0.0, left)) && left <= 0) return false;
  }
}

Bytes ConnWebrepl::read_available() {
  if (!impl_->ws) throw ConnError("Not connected");
  while (impl_->text.empty() && impl_->pump(0)) {
  }
  return std::exchange(impl_->text, {});
}

std::size_t ConnWebrepl::write_some(std::string_view data) {
  const std::size_t n = std::min(data.size(), kReplFrame);
  if (data.size() == 1 && (data[0] == '\x01' || data[0] == '\x02')) {
    impl_->raw_mode = data[0] == '\x01';
  }
  impl_->write_frame(data.substr(0, n), true);
  return n;
}

void ConnWebrepl::wait_writable(double /*timeout*/) {}

}  // namespace mpytool::links
