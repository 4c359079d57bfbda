// SPDX-License-Identifier: MIT
/// \file
/// Links named by a URL, as `-p` takes them: `rfc2217://HOST:PORT[?OPTIONS]` (a serial port
/// served over RFC 2217, e.g. by ser2net) and `socket://HOST:PORT` (a raw TCP link, as `-a`).
/// IPv6 hosts in brackets: `rfc2217://[::1]:4000`.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mpytool/link/conn.hpp"
#include "mpytool/links/export.hpp"

namespace mpytool::links {

/// A parsed link URL.
struct MPYTOOL_LINKS_API LinkUrl {
  std::string text;         ///< the URL as given
  std::string scheme;       ///< "rfc2217" or "socket" (lower case)
  std::string host;         ///< without brackets
  unsigned short port = 0;  ///< 1..65535
  /// The options after '?', in order: ("ign_set_control", ""), ("timeout", "5").
  std::vector<std::pair<std::string, std::string>> options;

  /// "scheme://host:port" ("[v6]" in brackets), without the options.
  std::string base() const;
};

/// True when \p text looks like a URL ("word://..."): a link URL, never a device path or a
/// `-p` selector. Does not check the scheme (parse_link_url() does).
MPYTOOL_LINKS_API bool is_link_url(std::string_view text);

/// Parses \p text. Throws UsageError "unknown link type 'x://' in 'x://h:1' (rfc2217://,
/// socket://)", "invalid link URL 'T': <what>" (no host, no port, a bad port). Options are
/// split but not checked (each link checks its own).
MPYTOOL_LINKS_API LinkUrl parse_link_url(std::string_view text);

/// Opens the link \p url names: a ConnRfc2217 at \p baud for rfc2217://, a ConnSocket for
/// socket:// (which takes no options). Throws UsageError for a bad URL or option, ConnError when
/// the link cannot be opened.
MPYTOOL_LINKS_API std::unique_ptr<Conn> open_link(const std::string& url, int baud = 115200);

}  // namespace mpytool::links
