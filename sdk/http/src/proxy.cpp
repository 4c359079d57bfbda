// SPDX-License-Identifier: MIT
#include "mpytool/http/proxy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string_view>

#include "mpytool/base/error.hpp"

namespace mpytool::http {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string env_either(const char* lower, const char* upper) {
  // Set-but-empty lower case still wins: "https_proxy=" switches a proxy off.
  if (std::getenv(lower)) return env(lower);
  return env(upper);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

ProxyConfig ProxyConfig::from_environment() {
  ProxyConfig config;
  config.http = env("http_proxy");
  config.https = env_either("https_proxy", "HTTPS_PROXY");
  config.no_proxy = env_either("no_proxy", "NO_PROXY");
  return config;
}

bool ProxyConfig::bypasses(const std::string& host_in) const {
  auto host = lower(host_in);
  std::string_view list = no_proxy;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto entry = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.front() == '[') {  // "[::1]" or "[::1]:8080"
      entry = entry.substr(1, entry.find(']') - 1);
    } else if (std::count(entry.begin(), entry.end(), ':') == 1) {
      entry = entry.substr(0, entry.find(':'));
    }
    while (!entry.empty() && entry.front() == '.') entry.remove_prefix(1);
    auto name = lower(entry);
    if (name.empty()) continue;
    if (host == name) return true;
    if (host.size() > name.size() && host.ends_with(name) &&
        host[host.size() - name.size() - 1] == '.')
      return true;
  }
  return false;
}

std::optional<Url> ProxyConfig::proxy_for(const Url& url) const {
  const auto& proxy = url.scheme == "https" ? https : http;
  auto text = std::string(trim(proxy));
  if (text.empty() || bypasses(url.host)) return std::nullopt;
  if (text.find("://") == std::string::npos) text = "http://" + text;
  if (lower(text).starts_with("https://"))
    throw UsageError(fmt::format("https proxies are not supported: '{}'", proxy));
  return parse_url(text);
}

}  // namespace mpytool::http
