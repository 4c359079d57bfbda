// SPDX-License-Identifier: MIT
#include "mpytool/http/url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "mpytool/base/error.hpp"

namespace mpytool::http {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

[[noreturn]] void bad_url(std::string_view url) {
  throw UsageError(fmt::format("not an http(s) URL: '{}'", url));
}

std::string default_port(std::string_view scheme) { return scheme == "https" ? "443" : "80"; }

// "scheme:" of an absolute URL (RFC 3986 §3.1), empty when there is none.
std::string_view scheme_of(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 ||
      !std::isalpha(static_cast<unsigned char>(s[0])))
    return {};
  for (std::size_t i = 0; i < colon; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return {};
  }
  return s.substr(0, colon);
}

// RFC 3986 §5.2.4: removes "." and ".." segments from an absolute path.
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> out;
  bool trailing = false;
  std::size_t pos = 1;  // past the leading '/'
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    auto seg = path.substr(pos, next - pos);
    trailing = false;
    if (seg == ".") {
      trailing = true;
    } else if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing = true;
    } else {
      out.push_back(seg);
    }
    pos = next + 1;
  }
  std::string result;
  for (auto seg : out) {
    result += '/';
    result += seg;
  }
  if (trailing || result.empty()) result += '/';
  return result;
}

}  // namespace

std::string Url::authority() const {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + port;
}

std::string Url::host_header() const {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == default_port(scheme) ? h : h + ":" + port;
}

std::string Url::str() const { return scheme + "://" + host_header() + target; }

Url parse_url(std::string_view url) {
  auto scheme = lower(scheme_of(url));
  if (scheme != "http" && scheme != "https") bad_url(url);
  auto rest = url.substr(scheme.size() + 1);
  if (rest.substr(0, 2) != "//") bad_url(url);
  rest.remove_prefix(2);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  auto end = rest.find_first_of("/?");
  auto authority = rest.substr(0, end);
  std::string target(end == std::string_view::npos ? std::string_view("/") : rest.substr(end));
  if (target[0] == '?') target.insert(0, "/");
  Url u;
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    u.userinfo = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  u.scheme = scheme;
  std::string_view host = authority, port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) bad_url(url);
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') bad_url(url);
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) bad_url(url);
  u.host = lower(host);
  if (port.empty()) {
    u.port = default_port(scheme);
  } else {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535)
      bad_url(url);
    u.port = std::to_string(value);
  }
  u.target = std::move(target);
  return u;
}

std::string join_url(std::string_view base_text, std::string_view ref) {
  auto base = parse_url(base_text);
  if (auto hash = ref.find('#'); hash != std::string_view::npos) ref = ref.substr(0, hash);
  if (!scheme_of(ref).empty()) return std::string(ref);
  if (ref.substr(0, 2) == "//") return base.scheme + ":" + std::string(ref);
  auto origin = base.scheme + "://" + base.host_header();
  auto base_query = base.target.find('?');
  std::string_view base_path = std::string_view(base.target).substr(0, base_query);
  if (ref.empty()) return origin + base.target;
  std::string_view query;
  auto ref_query = ref.find('?');
  if (ref_query != std::string_view::npos) {
    query = ref.substr(ref_query);
    ref = ref.substr(0, ref_query);
  }
  std::string path;
  if (ref.empty()) {
    path = std::string(base_path);
  } else if (ref[0] == '/') {
    path = remove_dot_segments(ref);
  } else {
    auto dir = base_path.substr(0, base_path.rfind('/') + 1);
    path = remove_dot_segments(std::string(dir) + std::string(ref));
  }
  return origin + path + std::string(query);
}

}  // namespace mpytool::http
