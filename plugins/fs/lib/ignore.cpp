// SPDX-License-Identifier: MIT
// gitignore patterns (`.mpyignore`, `sync --keep`) compiled to regular expressions.
#include "mpytool/fs/ignore.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "mpytool/base/error.hpp"

namespace mpytool::fs {

namespace {

/// The regex for a gitignore pattern body (no '!', no trailing '/').
std::string to_regex(std::string_view p, bool anchored) {
  std::string re = anchored ? "" : "(?:.*/)?";
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '*' && i + 1 < p.size() && p[i + 1] == '*') {
      const bool start = i == 0 || p[i - 1] == '/';
      const bool end = i + 2 == p.size() || p[i + 2] == '/';
      if (start && end) {
        if (i + 2 == p.size()) {
          re += ".*";  // "dir/**": everything inside
        } else {
          re += "(?:.*/)?";  // "**/" and "/**/": zero or more directories
          ++i;               // the '/' after "**"
        }
        ++i;
        continue;
      }
      re += "[^/]*";  // "a**b" is two stars
      ++i;
      continue;
    }
    if (c == '*') {
      re += "[^/]*";
    } else if (c == '?') {
      re += "[^/]";
    } else if (c == '[') {
      const std::size_t close = p.find(']', i + 2);
      if (close == std::string_view::npos) {
        re += "\\[";
        continue;
      }
      std::string cls(p.substr(i + 1, close - i - 1));
      if (!cls.empty() && cls[0] == '!') cls[0] = '^';
      re += "[" + cls + "]";
      i = close;
    } else if (c == '\\' && i + 1 < p.size()) {
      re += '\\';
      re += p[++i];
    } else {
      if (std::string_view("^$.|+(){}\\").find(c) != std::string_view::npos) re += '\\';
      re += c;
    }
  }
  return re;
}

}  // namespace

void IgnoreRules::add(std::string_view pattern) {
  std::string p(pattern);
  while (!p.empty() && (p.back() == '\r' || p.back() == '\n')) p.pop_back();
  // Trailing spaces are dropped unless escaped.
  while (!p.empty() && p.back() == ' ' && !(p.size() > 1 && p[p.size() - 2] == '\\')) p.pop_back();
  if (p.empty() || p[0] == '#') return;
  Rule r;
  if (p[0] == '!') {
    r.negate = true;
    p.erase(0, 1);
  } else if (p.rfind("\\!", 0) == 0 || p.rfind("\\#", 0) == 0) {
    p.erase(0, 1);
  }
  if (!p.empty() && p.back() == '/') {
    r.dir_only = true;
    p.pop_back();
  }
  if (p.empty()) return;
  const bool anchored = p.find('/') != std::string::npos;
  if (p[0] == '/') p.erase(0, 1);
  try {
    r.re = std::regex(to_regex(p, anchored), std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    throw UsageError(fmt::format("bad ignore pattern '{}'", std::string(pattern)));
  }
  rules_.push_back(std::move(r));
}

void IgnoreRules::add_lines(std::string_view text) {
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t nl = text.find('\n', start);
    add(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

void IgnoreRules::load(const std::filesystem::path& dir) {
  std::ifstream in(dir / ".mpyignore", std::ios::binary);
  if (!in) return;
  std::stringstream s;
  s << in.rdbuf();
  add_lines(s.str());
}

int IgnoreRules::decide(const std::string& path, bool is_dir) const {
  int verdict = -1;
  for (const auto& r : rules_) {
    if (r.dir_only && !is_dir) continue;
    if (std::regex_match(path, r.re)) verdict = r.negate ? 0 : 1;
  }
  return verdict;
}

bool IgnoreRules::ignored(std::string_view rel, bool is_dir) const {
  if (rules_.empty()) return false;
  const std::string path(rel);
  // An ignored parent directory hides everything in it.
  for (std::size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    if (decide(path.substr(0, slash), true) == 1) return true;
  }
  return decide(path, is_dir) == 1;
}

}  // namespace mpytool::fs
