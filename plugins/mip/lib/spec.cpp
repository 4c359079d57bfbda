// SPDX-License-Identifier: MIT
#include "mpytool/mip/spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "mpytool/base/error.hpp"
#include "mpytool/http/url.hpp"

namespace mpytool::mip {
namespace {

namespace fs = std::filesystem;

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  std::string s = (v != nullptr && *v != '\0') ? v : fallback;
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// The path of a URL or spec without its query or fragment.
std::string_view path_part(std::string_view s) {
  const auto q = s.find_first_of("?#");
  return q == std::string_view::npos ? s : s.substr(0, q);
}

// "aioble" from ".../aioble/package.json", "github:org/repo", "x/foo.json", "x/foo.py".
std::string derive_name(std::string_view text) {
  std::string p(path_part(text));
  for (const char* prefix : {"github:", "gitlab:", "codeberg:"}) {
    if (starts_with_nocase(p, prefix)) p = p.substr(std::char_traits<char>::length(prefix));
  }
  const auto scheme = p.find("://");
  if (scheme != std::string::npos) {
    p = p.substr(scheme + 3);
    const auto slash = p.find('/');
    p = slash == std::string::npos ? std::string() : p.substr(slash);
  }
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (p.ends_with("/package.json")) p.resize(p.size() - 13);
  if (p == "package.json") p.clear();
  while (!p.empty() && p.back() == '/') p.pop_back();
  std::string last = p.substr(p.find_last_of('/') == std::string::npos ? 0 : p.rfind('/') + 1);
  for (const char* ext : {".json", ".mpy", ".py"}) {
    if (last.ends_with(ext)) last.resize(last.size() - std::char_traits<char>::length(ext));
  }
  return last.empty() ? std::string("package") : last;
}

bool ends_with_file_ext(std::string_view s) {
  const auto p = path_part(s);
  return p.ends_with(".py") || p.ends_with(".mpy");
}

}  // namespace

bool is_http_url(std::string_view s) {
  return starts_with_nocase(s, "http://") || starts_with_nocase(s, "https://");
}

std::string host_of(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const auto start = scheme + 3;
  const auto end = url.find_first_of("/?#", start);
  return std::string(url.substr(start, end == std::string_view::npos ? url.npos : end - start));
}

bool is_url_spec(std::string_view s) {
  return is_http_url(s) || starts_with_nocase(s, "github:") || starts_with_nocase(s, "gitlab:") ||
         starts_with_nocase(s, "codeberg:");
}

std::string rewrite_url(std::string_view url, std::string_view branch) {
  std::string base;
  std::string rest;
  int which = 0;
  if (starts_with_nocase(url, "github:")) {
    which = 1;
    rest = url.substr(7);
  } else if (starts_with_nocase(url, "gitlab:")) {
    which = 2;
    rest = url.substr(7);
  } else if (starts_with_nocase(url, "codeberg:")) {
    which = 3;
    rest = url.substr(9);
  } else {
    return std::string(url);
  }
  const std::string b = branch.empty() ? std::string("HEAD") : std::string(branch);
  while (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
  const auto s1 = rest.find('/');
  if (s1 == std::string::npos || s1 == 0 || s1 + 1 >= rest.size()) {
    throw UsageError(fmt::format("bad repository URL '{}': expected ORG/REPO[/PATH]", url));
  }
  const auto s2 = rest.find('/', s1 + 1);
  const std::string org = rest.substr(0, s1);
  const std::string repo =
      rest.substr(s1 + 1, s2 == std::string::npos ? std::string::npos : s2 - s1 - 1);
  const std::string path = s2 == std::string::npos ? std::string() : rest.substr(s2 + 1);
  switch (which) {
    case 1:
      base = env_or("MPYTOOL_MIP_GITHUB", "https://raw.githubusercontent.com");
      return fmt::format("{}/{}/{}/{}/{}", base, org, repo, b, path);
    case 2:
      base = env_or("MPYTOOL_MIP_GITLAB", "https://gitlab.com");
      return fmt::format("{}/{}/{}/-/raw/{}/{}", base, org, repo, b, path);
    default:
      base = env_or("MPYTOOL_MIP_CODEBERG", "https://codeberg.org");
      return fmt::format("{}/api/v1/repos/{}/{}/raw/{}?ref={}", base, org, repo, path, b);
  }
}

std::string join_location(const std::string& base, const std::string& reference) {
  if (is_url_spec(reference)) return reference;
  if (is_http_url(base)) return http::join_url(base, reference);
  const fs::path ref(reference);
  if (ref.is_absolute() || base.empty()) return reference;
  return (fs::path(base).parent_path() / ref).lexically_normal().string();
}

Spec parse_spec(std::string_view text) {
  Spec s;
  s.text = std::string(text);
  std::string target(text);
  const auto at = target.find('@');
  if (at != std::string::npos) {
    if (target.find('@', at + 1) != std::string::npos) {
      throw UsageError(fmt::format("bad package spec '{}': more than one '@'", text),
                       "NAME[@VERSION], github:ORG/REPO[/PATH][@REF], a URL or a local path");
    }
    s.version = target.substr(at + 1);
    target.resize(at);
  }
  s.target = target;
  if (target.empty()) throw UsageError(fmt::format("bad package spec '{}': no name", text));
  if (is_url_spec(target)) {
    s.name = derive_name(target);
    if (ends_with_file_ext(target)) {
      s.kind = Source::kFile;
      s.location = rewrite_url(target, s.version);
      return s;
    }
    s.kind = Source::kPackageJson;
    std::string t = target;
    if (!path_part(t).ends_with(".json")) {
      if (!t.ends_with("/")) t += "/";
      t += "package.json";
    }
    s.location = rewrite_url(t, s.version);
    return s;
  }
  std::error_code ec;
  if (target.ends_with(".json")) {
    s.kind = Source::kPackageJson;
    s.location = target;
    s.name = derive_name(fs::absolute(target, ec).lexically_normal().string());
    return s;
  }
  // A directory holding package.json, written as a path ("./drv", "/x/drv"): a bare word
  // stays an index name, as in mpremote.
  if (target.find('/') != std::string::npos || target == "." || target == "..") {
    if (fs::is_regular_file(fs::path(target) / "package.json", ec)) {
      s.kind = Source::kPackageJson;
      s.location = (fs::path(target) / "package.json").lexically_normal().string();
      s.name = derive_name(fs::absolute(s.location, ec).lexically_normal().string());
      return s;
    }
  }
  s.kind = Source::kIndex;
  s.name = target;
  return s;
}

}  // namespace mpytool::mip
