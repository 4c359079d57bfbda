// SPDX-License-Identifier: MIT
#include "mpytool/link/connector.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>

namespace mpytool {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

/// Starts an operation with start(handler) and runs \p io until it completes (its error) or
/// \p timeout seconds pass (nullopt; \p socket is then closed).
template <class Start>
std::optional<error_code> run_with_timeout(asio::io_context& io, tcp::socket& socket,
                                           double timeout, Start start) {
  std::optional<error_code> ec;
  start([&](const error_code& result, auto&&...) { ec = result; });
  io.restart();
  io.run_for(std::chrono::milliseconds(static_cast<long>(timeout * 1000)));
  if (ec) return ec;
  error_code ignored;
  socket.close(ignored);  // cancels the operation; drain its handler before the locals go
  io.restart();
  io.run();
  return std::nullopt;
}

/// The client context: TLS >= 1.2, system CAs plus \p options.ca_file, peer verification unless
/// switched off. The host name check is per connection (see TlsSession's constructor).
asio::ssl::context make_tls_context(const TlsOptions& options) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  error_code ec;
  ctx.set_default_verify_paths(ec);  // an empty system store is not an error
  if (!options.ca_file.empty()) {
    if (!std::ifstream(options.ca_file)) {
      ec = error_code(errno, boost::system::system_category());
    } else {
      ctx.load_verify_file(options.ca_file, ec);
    }
    if (ec) {
      throw ConnError(fmt::format("SSL error: cannot load CA file '{}': {}", options.ca_file,
                                  error_reason(ec)));
    }
  }
  ctx.set_verify_mode(options.verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
  return ctx;
}

}  // namespace

std::string host_port(const std::string& host, unsigned short port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

std::string error_reason(const error_code& ec) {
  std::string text = ec.message();
  // By name: each shared library has its own instance of asio's SSL category.
  if (std::strcmp(ec.category().name(), "asio.ssl") == 0) {
    if (const auto paren = text.rfind(" ("); paren != std::string::npos && text.back() == ')') {
      text.erase(paren);
    }
  }
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

tcp::socket connect_tcp(asio::io_context& io, const std::string& host, unsigned short port,
                        double timeout) {
  tcp::socket socket(io);
  error_code ec;
  const auto endpoints = tcp::resolver(io).resolve(host, std::to_string(port), ec);
  if (!ec) {
    const auto connected = run_with_timeout(io, socket, timeout, [&](auto handler) {
      asio::async_connect(socket, endpoints, handler);
    });
    if (!connected) {
      throw TcpConnectError("Timeout connecting to " + host_port(host, port),
                            "timed out connecting");
    }
    ec = *connected;
  }
  if (ec) {
    throw TcpConnectError(
        fmt::format("Cannot connect to {}: {}", host_port(host, port), error_reason(ec)),
        error_reason(ec));
  }
  socket.set_option(tcp::no_delay(true), ec);
  return socket;
}

TlsSession::TlsSession(asio::io_context& io, tcp::socket& socket, const std::string& host,
                       const TlsOptions& options, double timeout)
    : context(make_tls_context(options)), stream(socket, context) {
  SSL* native = stream.native_handle();
  error_code ec;
  asio::ip::make_address(host, ec);
  const bool ip = !ec;
  if (!ip) SSL_set_tlsext_host_name(native, host.c_str());  // SNI takes names only
  if (options.verify && options.check_hostname) {
    // OpenSSL's own check, so a mismatch shows up as "hostname mismatch" in the verify result.
    X509_VERIFY_PARAM* param = SSL_get0_param(native);
    if (ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    }
  }
  const auto done = run_with_timeout(io, socket, timeout, [&](auto handler) {
    stream.async_handshake(asio::ssl::stream_base::client, handler);
  });
  if (!done) throw ConnError("SSL error: handshake timed out");
  if (!(ec = *done)) return;
  std::string why = error_reason(ec);
  if (const long verify = SSL_get_verify_result(native); verify != X509_V_OK) {
    why += std::string(": ") + X509_verify_cert_error_string(verify);
  }
  error_code ignored;
  socket.close(ignored);
  throw ConnError("SSL error: " + why);
}

}  // namespace mpytool
