// SPDX-License-Identifier: MIT
/// \file
/// Which proxy a request goes through: the `http_proxy`, `https_proxy` and `no_proxy`
/// environment variables, read the way curl reads them.
#pragma once

#include <optional>
#include <string>

#include "mpytool/http/export.hpp"
#include "mpytool/http/url.hpp"

namespace mpytool::http {

/// The proxies of a client. An http:// URL goes through \ref http (an absolute-form request to
/// the proxy), an https:// URL through \ref https (a CONNECT tunnel, TLS end to end), unless its
/// host matches \ref no_proxy.
struct ProxyConfig {
  std::string http;      ///< proxy URL for http:// ("http://proxy:3128", "proxy:3128"); "" none
  std::string https;     ///< proxy URL for https://; "" none
  std::string no_proxy;  ///< comma-separated hosts that go direct: "*" all, "example.com" the
                         ///< host and its subdomains (".example.com" the same), an address as is

  /// From the environment: `http_proxy` (lower case only, as curl: HTTP_PROXY can be set by a
  /// CGI request header), `https_proxy` then `HTTPS_PROXY`, `no_proxy` then `NO_PROXY` (the
  /// lower-case name wins when both are set).
  MPYTOOL_HTTP_API static ProxyConfig from_environment();

  /// True when \p host goes direct because of \ref no_proxy (case-insensitive; a port in an
  /// entry, "host:8080", is ignored).
  MPYTOOL_HTTP_API bool bypasses(const std::string& host) const;

  /// The proxy \p url goes through, nullopt for a direct connection. A proxy URL without a
  /// scheme is taken as http://; its "user:password@" (percent-encoded) is sent to the proxy as
  /// Basic Proxy-Authorization; throws UsageError for a proxy URL that is not http://
  /// ("https proxies are not supported: 'x'" for an https:// one).
  MPYTOOL_HTTP_API std::optional<Url> proxy_for(const Url& url) const;
};

}  // namespace mpytool::http
