// SPDX-License-Identifier: MIT
// Path resolution for a mount (docs/compatibility.md, "Mount", with the Python mpytool's prefix bug
// fixed): board paths are normalised lexically first, then followed on the host one component at a
// time with lstat, so every symlink is resolved and checked before anything is opened through it.
#include "mpytool/mount/jail.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace mpytool::mount {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kNameMax = 255;
constexpr std::size_t kPathMax = 4096;
constexpr int kMaxSymlinkHops = 40;

bool starts_with_dir(std::string_view path, std::string_view dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

// Follows \p rest from \p base; every symlink's target must stay within \p base.
int walk(const fs::path& base, const std::vector<std::string>& rest, std::size_t from,
         fs::path& out) {
  fs::path cur = base;
  int hops = 0;
  for (std::size_t i = from; i < rest.size(); ++i) {
    fs::path next = cur / rest[i];
    struct stat st {};
    if (::lstat(next.c_str(), &st) != 0) {
      if (errno != ENOENT && errno != ENOTDIR) return EACCES;
      // Nothing below a missing entry can be a symlink: the rest is lexical.
      for (std::size_t j = i + 1; j < rest.size(); ++j) next /= rest[j];
      out = next;
      return 0;
    }
    if (!S_ISLNK(st.st_mode)) {
      cur = std::move(next);
      continue;
    }
    if (++hops > kMaxSymlinkHops) return EACCES;
    std::error_code ec;
    fs::path target = fs::read_symlink(next, ec);
    if (ec) return EACCES;
    if (target.is_relative()) target = cur / target;
    fs::path resolved = fs::weakly_canonical(target, ec);
    if (ec || !Jail::within(resolved, base)) return EACCES;
    cur = std::move(resolved);
  }
  out = std::move(cur);
  return 0;
}

}  // namespace

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

Jail::Jail(const fs::path& root) : root_(fs::canonical(root)) {}

bool Jail::normalise(std::string_view board_path, std::vector<std::string>& parts) {
  parts.clear();
  if (board_path.size() > kPathMax || board_path.find('\0') != std::string_view::npos ||
      !valid_utf8(board_path)) {
    return false;
  }
  std::size_t pos = 0;
  while (pos <= board_path.size()) {
    std::size_t end = board_path.find('/', pos);
    if (end == std::string_view::npos) end = board_path.size();
    std::string_view part = board_path.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    if (part.size() > kNameMax) return false;
    if (part == "..") {
      if (parts.empty()) return false;
      parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  return true;
}

bool Jail::within(const fs::path& path, const fs::path& base) {
  auto p = path.begin();
  for (auto b = base.begin(); b != base.end(); ++b, ++p) {
    if (b->empty()) continue;  // a trailing separator
    if (p == path.end() || *p != *b) return false;
  }
  return true;
}

bool Jail::add_submount(std::string_view subpath, const fs::path& local) {
  std::vector<std::string> parts;
  if (!normalise(subpath, parts) || parts.empty()) return false;
  std::string key;
  for (const auto& p : parts) key += (key.empty() ? "" : "/") + p;
  submounts_[key] = fs::canonical(local);
  return true;
}

Resolved Jail::resolve(std::string_view board_path) const {
  Resolved r;
  std::vector<std::string> parts;
  if (!normalise(board_path, parts)) {
    r.error = EACCES;
    return r;
  }
  for (const auto& p : parts) r.rel += (r.rel.empty() ? "" : "/") + p;
  const fs::path* base = &root_;
  std::size_t skip = 0;
  std::size_t best = 0;
  for (const auto& [key, local] : submounts_) {
    if ((r.rel == key || starts_with_dir(r.rel, key)) && key.size() >= best) {
      best = key.size();
      base = &local;
      skip = static_cast<std::size_t>(std::count(key.begin(), key.end(), '/')) + 1;
    }
  }
  r.base = skip == parts.size();
  if (int e = walk(*base, parts, skip, r.path)) {
    r.error = e;
    return r;
  }
  if (!r.rel.empty()) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(r.path, ec))) {
      for (const auto& entry : submounts_) {
        if (starts_with_dir(entry.first, r.rel)) {
          r.virtual_dir = true;
          break;
        }
      }
    }
  }
  return r;
}

std::vector<std::pair<std::string, fs::path>> Jail::virtual_children(std::string_view rel) const {
  std::vector<std::pair<std::string, fs::path>> out;
  for (const auto& [key, local] : submounts_) {
    std::string_view rest;
    if (rel.empty()) {
      rest = key;
    } else if (starts_with_dir(key, rel)) {
      rest = std::string_view(key).substr(rel.size() + 1);
    } else {
      continue;
    }
    const auto slash = rest.find('/');
    std::string name(rest.substr(0, slash));
    fs::path target = slash == std::string_view::npos ? local : fs::path();
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == name; });
    if (it == out.end()) {
      out.emplace_back(std::move(name), std::move(target));
    } else if (!target.empty()) {
      it->second = std::move(target);
    }
  }
  return out;
}

}  // namespace mpytool::mount
