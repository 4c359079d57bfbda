// SPDX-License-Identifier: MIT
// ConnSocket: TCP, optionally TLS >= 1.2, over Boost.Asio and OpenSSL (docs/compatibility.md, "TCP
// and TLS").

#include "mpytool/link/conn_socket.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <thread>
#include <tuple>

#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"

namespace mpytool {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

using namespace std::chrono_literals;

/// Connect and TLS handshake limit, as the Python mpytool's socket timeout.
constexpr auto kConnectTimeout = 5s;
/// Most bytes one read_available() returns, so a chatty peer cannot keep it looping.
constexpr std::size_t kReadLimit = 256 * 1024;

/// "[::1]:23" for IPv6 literals, "host:23" otherwise.
std::string host_port(const std::string& host, unsigned short port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

/// An error text in our style: lower-case start, without OpenSSL's " (SSL routines)" suffix.
std::string reason(const error_code& ec) {
  std::string text = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    if (const auto paren = text.rfind(" ("); paren != std::string::npos && text.back() == ')') {
      text.erase(paren);
    }
  }
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

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

/// Builds the client context: TLS >= 1.2, system CAs plus \p options.ca_file, peer verification
/// unless switched off. The host name check is per connection (see Impl::handshake()).
asio::ssl::context make_tls_context(const TlsOptions& options) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  error_code ec;
  ctx.set_default_verify_paths(ec);  // an empty system store is not an error
  if (!options.ca_file.empty()) {
    if (!std::ifstream(options.ca_file)) {
      throw ConnError(fmt::format("SSL error: cannot load CA file '{}': {}", options.ca_file,
                                  reason(error_code(errno, boost::system::system_category()))));
    }
    if (ctx.load_verify_file(options.ca_file, ec); ec) {
      throw ConnError(
          fmt::format("SSL error: cannot load CA file '{}': {}", options.ca_file, reason(ec)));
    }
  }
  ctx.set_verify_mode(options.verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
  return ctx;
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
  std::optional<asio::ssl::context> ssl_context;
  std::optional<asio::ssl::stream<tcp::socket&>> ssl;
  /// False when the last read stopped at kReadLimit: bytes may wait in asio's TLS buffers.
  bool drained = true;

  std::string address() const { return host_port(host, port); }
  void connect();
  void handshake();
  /// Runs io until the pending operation completes or kConnectTimeout passes.
  bool run_with_timeout(bool& done);
};

bool ConnSocket::Impl::run_with_timeout(bool& done) {
  io.restart();
  io.run_for(kConnectTimeout);
  if (done) return true;
  error_code ignored;
  socket.close(ignored);  // cancels the operation; drain its handler before the locals go
  io.restart();
  io.run();
  return false;
}

void ConnSocket::Impl::connect() {
  error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) throw ConnError(fmt::format("Cannot connect to {}: {}", address(), reason(ec)));
  bool done = false;
  asio::async_connect(socket, endpoints, [&](const error_code& result, const tcp::endpoint&) {
    ec = result;
    done = true;
  });
  if (!run_with_timeout(done)) throw ConnError("Timeout connecting to " + address());
  if (ec) {
    error_code ignored;
    socket.close(ignored);
    throw ConnError(fmt::format("Cannot connect to {}: {}", address(), reason(ec)));
  }
  socket.set_option(tcp::no_delay(true), ec);
}

void ConnSocket::Impl::handshake() {
  ssl_context.emplace(make_tls_context(tls));
  ssl.emplace(socket, *ssl_context);
  SSL* native = ssl->native_handle();
  const bool ip = is_ip_literal(host);
  if (!ip) SSL_set_tlsext_host_name(native, host.c_str());  // SNI takes names only
  if (tls.verify && tls.check_hostname) {
    // OpenSSL's own check, so a mismatch shows up as "hostname mismatch" in the verify result.
    X509_VERIFY_PARAM* param = SSL_get0_param(native);
    if (ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    }
  }
  error_code ec;
  bool done = false;
  ssl->async_handshake(asio::ssl::stream_base::client, [&](const error_code& result) {
    ec = result;
    done = true;
  });
  if (!run_with_timeout(done)) throw ConnError("SSL error: handshake timed out");
  if (!ec) return;
  std::string why = reason(ec);
  if (const long verify = SSL_get_verify_result(native); verify != X509_V_OK) {
    why += std::string(": ") + X509_verify_cert_error_string(verify);
  }
  error_code ignored;
  socket.close(ignored);
  throw ConnError("SSL error: " + why);
}

ConnSocket::ConnSocket(const std::string& address, TlsOptions tls)
    : impl_(std::make_unique<Impl>()) {
  std::tie(impl_->host, impl_->port) = parse_address(address);
  impl_->tls = std::move(tls);
  logger().info("Connecting to: {} [{}]", impl_->address(), impl_->tls.enabled ? "ssl" : "tcp");
  impl_->connect();
  if (impl_->tls.enabled) impl_->handshake();
  error_code ec;
  impl_->socket.non_blocking(true, ec);
  if (ec) throw ConnError(fmt::format("Cannot connect to {}: {}", impl_->address(), reason(ec)));
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
    impl_->ssl_context.reset();
    impl_->drained = true;
    try {
      impl_->connect();
      if (impl_->tls.enabled) impl_->handshake();
      error_code ec;
      impl_->socket.non_blocking(true, ec);
      if (!ec) {
        clear_buffer();
        return;
      }
      last_error = reason(ec);
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
  if (impl_->ssl && SSL_pending(impl_->ssl->native_handle()) > 0) return true;
  pollfd pfd{fd(), POLLIN, 0};
  const int ms = static_cast<int>(std::ceil(std::max(0.0, timeout) * 1000));
  const int ready = ::poll(&pfd, 1, ms);
  if (ready < 0 && errno != EINTR) {
    throw ConnLost("Connection lost: " +
                   reason(error_code(errno, boost::system::system_category())));
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
    const std::size_t n = impl_->ssl ? impl_->ssl->read_some(asio::buffer(chunk), ec)
                                     : impl_->socket.read_some(asio::buffer(chunk), ec);
    data.append(chunk, n);
    if (!ec) continue;
    impl_->drained = true;
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      if (!data.empty()) break;  // report the close on the next read, after this data
      throw ConnLost("Connection closed");
    }
    throw ConnLost("Connection lost: " + reason(ec));
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
    n = impl_->ssl->write_some(asio::buffer(data.data(), data.size()), ec);
    error_code ignored;
    impl_->socket.non_blocking(true, ignored);
  } else {
    n = impl_->socket.write_some(asio::buffer(data.data(), data.size()), ec);
  }
  if (!ec) return n;
  if (ec == asio::error::would_block || ec == asio::error::try_again) return n;
  throw ConnLost("Connection lost: " + reason(ec));
}

void ConnSocket::wait_writable(double timeout) {
  if (!impl_->socket.is_open()) throw ConnError("Not connected");
  pollfd pfd{fd(), POLLOUT, 0};
  const int ms = static_cast<int>(std::ceil(std::max(0.0, timeout) * 1000));
  ::poll(&pfd, 1, ms);
}

}  // namespace mpytool
