// SPDX-License-Identifier: MIT
/// \file
/// The HTTP/1.1 client: GET over keep-alive connections (http:// and https://), redirects,
/// proxies, timeouts, and many URLs at once over a few connections.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "mpytool/http/export.hpp"
#include "mpytool/http/proxy.hpp"
#include "mpytool/http/response.hpp"

namespace mpytool::http {

/// How a Client connects and how long it waits.
struct ClientOptions {
  /// Resolving, connecting, the proxy's CONNECT and the TLS handshake, each.
  std::chrono::milliseconds connect_timeout{30000};
  /// The longest silence while sending a request or reading its response.
  std::chrono::milliseconds read_timeout{30000};
  /// Redirects followed (301, 302, 303, 307, 308) before giving up.
  int max_redirects = 5;
  /// The largest body accepted, in bytes (a larger one is a ConnError).
  std::size_t max_body = std::size_t{256} << 20;
  /// The proxies; by default those of the environment (ProxyConfig::from_environment()).
  ProxyConfig proxy = ProxyConfig::from_environment();
  /// A PEM file of the certificate authorities https:// servers are checked against. Empty:
  /// the file named by `MPYTOOL_CA_FILE` when that is set, else the system's store (OpenSSL's
  /// default paths, which honour `SSL_CERT_FILE` and `SSL_CERT_DIR`).
  std::string ca_file;
  /// The User-Agent header.
  std::string user_agent = "mpytool";
};

/// One URL's outcome in Client::get_all(): its response, or the exception its get() threw.
using FetchResult = std::variant<Response, std::exception_ptr>;

/// Called by Client::get_all() as each URL finishes (from the worker threads, one call at a
/// time): how many are done, how many in all, the URL just finished. It must not throw.
using FetchProgress =
    std::function<void(std::size_t done, std::size_t total, const std::string& url)>;

/// An HTTP/1.1 client over Boost.Beast. Keeps idle connections open per origin (scheme, host,
/// port and proxy) and reuses them while the server keeps them alive. get() may be called from
/// several threads at once; each call holds one connection.
///
/// Errors: a server that cannot be reached, resolved or talked to is a ConnError
/// ("cannot connect to host:port: connection refused"), a certificate that does not verify is a
/// ConnError "certificate verify failed for host: <reason>", silence beyond the read timeout is
/// a Timeout; a status of 400 or more is NOT an error: it comes back in the Response.
class MPYTOOL_HTTP_API Client {
 public:
  /// Reads the CA file (or the system store) once; throws ConnError when \p options.ca_file
  /// (or MPYTOOL_CA_FILE) cannot be loaded.
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// GETs \p url (http:// or https://, else UsageError), following redirects. A connection
  /// reused from the pool that turns out closed by the server is replaced once, silently.
  Response get(const std::string& url);

  /// GETs every URL of \p urls over up to \p parallel connections at once (worker threads,
  /// each a blocking get()); results in the order of \p urls. One URL's failure does not stop
  /// the others.
  std::vector<FetchResult> get_all(const std::vector<std::string>& urls, int parallel = 8,
                                   const FetchProgress& progress = {});

  /// How many connections (TCP, TLS or tunnels) this client has opened so far.
  std::size_t connections_opened() const noexcept;

  /// Closes the idle connections.
  void close_idle();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The response of \p result, or rethrows its exception.
MPYTOOL_HTTP_API const Response& value_or_throw(const FetchResult& result);

}  // namespace mpytool::http
