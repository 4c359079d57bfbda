// SPDX-License-Identifier: MIT
/// \file
/// Layer 2: dialling over IP, each step within a time limit, for ConnSocket and for sdk/links'
/// WebREPL and RFC 2217 links: a TCP connection, then optionally a TLS (>= 1.2) session.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "mpytool/base/error.hpp"
#include "mpytool/link/conn_socket.hpp"  // TlsOptions

namespace mpytool {

/// "[::1]:23" for IPv6 literals, "host:23" otherwise.
MPYTOOL_CORE_API std::string host_port(const std::string& host, unsigned short port);
/// An error text in our style: lower-case start, without OpenSSL's " (SSL routines)" suffix.
MPYTOOL_CORE_API std::string error_reason(const boost::system::error_code& ec);

/// connect_tcp()'s failure, "Timeout connecting to H:P" or "Cannot connect to H:P: <reason>".
struct MPYTOOL_CORE_API TcpConnectError : ConnError {
  TcpConnectError(const std::string& what, std::string why) : ConnError(what), reason(why) {}
  std::string reason;  ///< "connection refused", ...; "timed out connecting" when time ran out
};

/// Resolves \p host and connects to \p port within \p timeout seconds, running \p io (which has
/// no other work). TCP_NODELAY is set. Throws TcpConnectError.
MPYTOOL_CORE_API boost::asio::ip::tcp::socket connect_tcp(boost::asio::io_context& io,
                                                          const std::string& host,
                                                          unsigned short port, double timeout);

/// A TLS client session over a connected TCP socket: the context, and the stream using it.
struct MPYTOOL_CORE_API TlsSession {
  /// Handshakes with \p host within \p timeout seconds, running \p io: system CAs plus
  /// options.ca_file, SNI for a name, the chain and the host name (or IP) checked unless \p
  /// options says not. Throws ConnError "SSL error: cannot load CA file 'F': <reason>", "SSL
  /// error: handshake timed out" or "SSL error: <reason>[: <verify result>]" (socket closed).
  TlsSession(boost::asio::io_context& io, boost::asio::ip::tcp::socket& socket,
             const std::string& host, const TlsOptions& options, double timeout);
  boost::asio::ssl::context context;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket&> stream;
};

}  // namespace mpytool
