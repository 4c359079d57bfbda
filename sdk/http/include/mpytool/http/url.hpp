// SPDX-License-Identifier: MIT
/// \file
/// http(s) URLs: parsing into the parts a client connects with, and resolving a reference
/// against a base (RFC 3986 §5.2, enough for package indexes: absolute URLs, absolute paths,
/// relative paths with `.` and `..`).
#pragma once

#include <string>
#include <string_view>

#include "mpytool/http/export.hpp"

namespace mpytool::http {

/// An http or https URL split for a request.
struct Url {
  std::string scheme;    ///< "http" or "https" (lower case)
  std::string host;      ///< host name or address, lower case; an IPv6 address without brackets
  std::string port;      ///< explicit port, else "80" (http) or "443" (https)
  std::string target;    ///< path and query, "/" when the URL has no path; never the fragment
  std::string userinfo;  ///< "user:password" before an '@' as written (percent-encoded), "" none;
                         ///< used for a proxy's credentials, never sent to a server

  /// The URL again: "scheme://host[:port]target", the port only when not the default one, no
  /// user information.
  MPYTOOL_HTTP_API std::string str() const;
  /// "host:port" (an IPv6 address in brackets): the authority of a CONNECT request and the
  /// name in error messages.
  MPYTOOL_HTTP_API std::string authority() const;
  /// The Host header: the host, with ":port" when it is not the scheme's default.
  MPYTOOL_HTTP_API std::string host_header() const;
};

/// Splits an http:// or https:// URL (the scheme is case-insensitive). User information
/// ("user:pass@") goes to Url::userinfo; the fragment is dropped. Throws UsageError "not an http(s)
/// URL: 'x'" for any other scheme, no host, or a port that is not a number in 1..65535.
MPYTOOL_HTTP_API Url parse_url(std::string_view url);

/// Resolves \p reference against the absolute URL \p base: an absolute URL ("https://...")
/// stands as it is, "//host/p" takes the base's scheme, "/p" the base's origin, "?q" the base's
/// path, anything else replaces the base's last path segment; "." and ".." segments are removed.
/// A fragment is dropped. Throws UsageError when \p base is not an http(s) URL.
MPYTOOL_HTTP_API std::string join_url(std::string_view base, std::string_view reference);

}  // namespace mpytool::http
