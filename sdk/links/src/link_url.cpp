// SPDX-License-Identifier: MIT
// Link URLs: parsing `scheme://host:port?options` and opening the link each scheme names.
#include "mpytool/links/link_url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "mpytool/base/error.hpp"
#include "mpytool/link/conn_socket.hpp"
#include "mpytool/links/conn_rfc2217.hpp"

namespace mpytool::links {

namespace {

constexpr std::string_view kKnownSchemes = "rfc2217://, socket://";

bool scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

}  // namespace

std::string LinkUrl::base() const {
  return host.find(':') != std::string::npos ? fmt::format("{}://[{}]:{}", scheme, host, port)
                                             : fmt::format("{}://{}:{}", scheme, host, port);
}

bool is_link_url(std::string_view text) {
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  const std::string_view scheme = text.substr(0, sep);
  return std::isalpha(static_cast<unsigned char>(scheme.front())) &&
         std::all_of(scheme.begin(), scheme.end(), scheme_char);
}

LinkUrl parse_link_url(std::string_view text) {
  LinkUrl url;
  url.text = std::string(text);
  const auto invalid = [&](std::string_view why) {
    return UsageError(fmt::format("invalid link URL '{}': {}", text, why),
                      "e.g. -p rfc2217://192.168.1.20:4000, -p socket://localhost:2323");
  };
  if (!is_link_url(text)) throw invalid("expected SCHEME://HOST:PORT");
  const auto sep = text.find("://");
  for (const char c : text.substr(0, sep)) {
    url.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (url.scheme != "rfc2217" && url.scheme != "socket") {
    throw UsageError(fmt::format("unknown link type '{}://' in '{}' (known: {})", url.scheme, text,
                                 kKnownSchemes));
  }
  std::string_view rest = text.substr(sep + 3);
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty()) throw invalid("no host");
  if (rest.find('/') != std::string_view::npos) throw invalid("a link URL has no path");
  try {
    std::tie(url.host, url.port) = parse_address(std::string(rest), 0);
  } catch (const UsageError&) {
    throw invalid("expected HOST:PORT with a port 1..65535");
  }
  if (url.port == 0) throw invalid("no port (HOST:PORT)");
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    url.options.emplace_back(std::string(item.substr(0, eq)),
                             eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1)));
  }
  return url;
}

std::unique_ptr<Conn> open_link(const std::string& text, int baud) {
  const LinkUrl url = parse_link_url(text);
  if (url.scheme == "rfc2217") return std::make_unique<ConnRfc2217>(url, baud);
  if (!url.options.empty()) {
    throw UsageError(fmt::format("socket:// takes no options: '{}'", text),
                     "a raw TCP link: -p socket://HOST:PORT (as -a HOST:PORT)");
  }
  // The same link as -a HOST:PORT.
  const std::string address = url.host.find(':') != std::string::npos
                                  ? fmt::format("[{}]:{}", url.host, url.port)
                                  : fmt::format("{}:{}", url.host, url.port);
  return std::make_unique<ConnSocket>(address);
}

}  // namespace mpytool::links
