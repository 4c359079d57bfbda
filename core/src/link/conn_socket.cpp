// SPDX-License-Identifier: MIT
// ConnSocket: TCP, optionally TLS >= 1.2, over Boost.Asio and OpenSSL (docs/compatibility.md, "TCP
// and TLS").

#include "mpytool/link/conn_socket.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <poll.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <optional>
#include <thread>
#include <tuple>

#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/link/connector.hpp"

namespace mpytool {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

/// Connect and TLS handshake limit (seconds), as the Python mpytool's socket timeout.
constexpr double kConnectTimeout = 5;
/// Most bytes one read_available() returns, so a chatty peer cannot keep it looping.
constexpr std::size_t kReadLimit = 256 * 1024;

bool parse_port(const std::string& text, unsigned short& port) {
  if (text.empty() || text.size() > 5) return false;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const int value = std::stoi(text);
  if (value < 1 || value > 65535) return false;
  port = static_cast<unsigned short>(value);
  return true;
}

}  // namespace

std::pair<std::string, unsigned short> parse_address(const std::string& address,
                                                     unsigned short default_port) {
  const auto invalid = [&] { return UsageError(fmt::format("invalid address '{}'", address)); };
  std::string host = address;
  unsigned short port = default_port;
  if (address.starts_with('[')) {  // "[v6addr]" or "[v6addr]:port"
    const auto close = address.find(']');
    if (close == std::string::npos) throw invalid();
    host = address.substr(1, close - 1);
    const std::string rest = address.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !parse_port(rest.substr(1), port))) {
      throw invalid();
    }
  } else if (std::count(address.begin(), address.end(), ':') == 1) {
    const auto colon = address.find(':');
    host = address.substr(0, colon);
    if (!parse_port(address.substr(colon + 1), port)) throw invalid();
  }
  // More than one ':' without brackets is a bare IPv6 address on the default port.
  if (host.empty()) throw invalid();
  return {host, port};
}

struct ConnSocket::Impl {
  std::string host;
  unsigned short port = 0;
  TlsOptions tls;
  asio::io_context io;
  tcp::socket socket{io};
  std::optional<TlsSession> ssl;
  /// False when the last read stopped at kReadLimit: bytes may wait in asio's TLS buffers.
  bool drained = true;

  std::string address() const { return host_port(host, port); }
  /// Connects (and handshakes), then makes the socket non-blocking.
  void open();
};

void ConnSocket::Impl::open() {
  socket = connect_tcp(io, host, port, kConnectTimeout);
  if (tls.enabled) ssl.emplace(io, socket, host, tls, kConnectTimeout);
  error_code ec;
  socket.non_blocking(true, ec);
  if (ec) throw ConnError(fmt::format("Cannot connect to {}: {}", address(), error_reason(ec)));
}

ConnSocket::ConnSocket(const std::string& address, TlsOptions tls)
    : impl_(std::make_unique<Impl>()) {
  std::tie(impl_->host, impl_->port) = parse_address(address);
  impl_->tls = std::move(tls);
  logger().info("Connecting to: {} [{}]", impl_->address(), impl_->tls.enabled ? "ssl" : "tcp");
  impl_->open();
  logger().info("connected");
}

ConnSocket::~ConnSocket() { close(); }

void ConnSocket::reconnect(double timeout) {
  // A board reset drops the TCP (or TLS) session; its bridge comes back once the board has
  // booted. Keep dialling the same address until it answers or the time is up.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  std::string last_error;
  for (;;) {
    close();
    impl_->ssl.reset();
    impl_->drained = true;
    try {
      impl_->open();
      clear_buffer();
      return;
    } catch (const ConnError& e) {
      last_error = e.what();
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  throw ConnError(fmt::format("Could not reconnect to {} within {}s: {}", impl_->address(), timeout,
                              last_error));
}

int ConnSocket::fd() const {
  return impl_->socket.is_open() ? static_cast<int>(impl_->socket.native_handle()) : -1;
}

void ConnSocket::close() {
  error_code ignored;
  impl_->socket.close(ignored);
}

std::string ConnSocket::description() const {
  return impl_->address() + (impl_->tls.enabled ? " [ssl]" : " [tcp]");
}

const std::string& ConnSocket::host() const noexcept { return impl_->host; }

unsigned short ConnSocket::port() const noexcept { return impl_->port; }

bool ConnSocket::wait_readable(double timeout) {
  if (!impl_->socket.is_open()) throw ConnError("Not connected");
  // Decrypted bytes can wait inside OpenSSL while the socket itself has nothing to read.
  if (!impl_->drained) return true;
  if (impl_->ssl && SSL_pending(impl_->ssl->stream.native_handle()) > 0) return true;
  pollfd pfd{fd(), POLLIN, 0};
  const int ms = static_cast<int>(std::ceil(std::max(0.0, timeout) * 1000));
  const int ready = ::poll(&pfd, 1, ms);
  if (ready < 0 && errno != EINTR) {
    throw ConnLost("Connection lost: " +
                   error_reason(error_code(errno, boost::system::system_category())));
  }
  return ready > 0;
}

Bytes ConnSocket::read_available() {
  if (!impl_->socket.is_open()) throw ConnError("Not connected");
  Bytes data;
  char chunk[4096];
  // Drain until the socket would block: nothing then stays behind in OpenSSL or in asio's TLS
  // input buffer where poll() cannot see it.
  impl_->drained = false;
  while (data.size() < kReadLimit) {
    error_code ec;
    const std::size_t n = impl_->ssl ? impl_->ssl->stream.read_some(asio::buffer(chunk), ec)
                                     : impl_->socket.read_some(asio::buffer(chunk), ec);
    data.append(chunk, n);
    if (!ec) continue;
    impl_->drained = true;
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      if (!data.empty()) break;  // report the close on the next read, after this data
      throw ConnLost("Connection closed");
    }
    throw ConnLost("Connection lost: " + error_reason(ec));
  }
  return data;
}

std::size_t ConnSocket::write_some(std::string_view data) {
  if (!impl_->socket.is_open()) throw ConnError("Not connected");
  error_code ec;
  std::size_t n = 0;
  if (impl_->ssl) {
    // asio's TLS stream loses ciphertext when the socket would block mid-record, so TLS
    // writes run with the socket switched to blocking for their duration.
    impl_->socket.non_blocking(false, ec);
    n = impl_->ssl->stream.write_some(asio::buffer(data.data(), data.size()), ec);
    error_code ignored;
    impl_->socket.non_blocking(true, ignored);
  } else {
    n = impl_->socket.write_some(asio::buffer(data.data(), data.size()), ec);
  }
  if (!ec) return n;
  if (ec == asio::error::would_block || ec == asio::error::try_again) return n;
  throw ConnLost("Connection lost: " + error_reason(ec));
}

void ConnSocket::wait_writable(double timeout) {
  if (!impl_->socket.is_open()) throw ConnError("Not connected");
  pollfd pfd{fd(), POLLOUT, 0};
  const int ms = static_cast<int>(std::ceil(std::max(0.0, timeout) * 1000));
  ::poll(&pfd, 1, ms);
}

}  // namespace mpytool
