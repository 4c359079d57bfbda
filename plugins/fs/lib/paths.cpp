// SPDX-License-Identifier: MIT
// Path semantics of the file commands: `:` paths, trailing slashes, excludes, sizes and the cp
// planner (docs/compatibility.md, "Device paths", "cp").
#include "mpytool/fs/paths.hpp"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <climits>
#include <iterator>
#include <map>
#include <set>
#include <system_error>

#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/fs/local_tree.hpp"
#include "mpytool/transfer/size_arg.hpp"

namespace mpytool::fs {

namespace stdfs = std::filesystem;

namespace {

constexpr const char* kMultipleError =
    "multiple sources or directory contents require destination directory (ending with /)";

#ifdef _WIN32
std::string to_forward_slashes(std::string s) {
  std::replace(s.begin(), s.end(), '\\', '/');
  return s;
}
bool is_local_sep(char c) { return c == '/' || c == '\\'; }
#else
std::string to_forward_slashes(std::string s) { return s; }
bool is_local_sep(char c) { return c == '/'; }
#endif

// ---------------------------------------------------------------------------------------------
// glob

// Decodes UTF-8 into code points so that '?' and classes match whole characters; a byte that
// does not start a valid sequence stands for itself.
std::vector<char32_t> decode(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = 0;
    char32_t cp = 0;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      cp = b & 0x07;
    }
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (ok) {
      out.push_back(cp);
      i += len;
    } else {
      out.push_back(b);
      ++i;
    }
  }
  return out;
}

// Matches a '[...]' class starting at pattern[p] (the '['). Returns false in \p valid when the
// class is not closed (then '[' is a literal). On success \p next is the index after ']'.
bool match_class(const std::vector<char32_t>& pat, std::size_t p, char32_t c, bool& valid,
                 std::size_t& next) {
  std::size_t i = p + 1;
  bool negate = false;
  if (i < pat.size() && pat[i] == U'!') {
    negate = true;
    ++i;
  }
  const std::size_t first = i;
  bool hit = false;
  while (i < pat.size() && (pat[i] != U']' || i == first)) {
    char32_t lo = pat[i];
    char32_t hi = lo;
    if (i + 2 < pat.size() && pat[i + 1] == U'-' && pat[i + 2] != U']') {
      hi = pat[i + 2];
      i += 3;
    } else {
      ++i;
    }
    if (lo <= c && c <= hi) hit = true;
  }
  if (i >= pat.size()) {
    valid = false;
    return false;
  }
  valid = true;
  next = i + 1;
  return hit != negate;
}

// Matches one pattern element at pat[p] against c; \p next receives the following index.
bool match_one(const std::vector<char32_t>& pat, std::size_t p, char32_t c, std::size_t& next) {
  if (pat[p] == U'?') {
    next = p + 1;
    return true;
  }
  if (pat[p] == U'[') {
    bool valid = false;
    const bool hit = match_class(pat, p, c, valid, next);
    if (valid) return hit;
  }
  next = p + 1;
  return pat[p] == c;
}

// ---------------------------------------------------------------------------------------------
// local paths

// "dir/" -> "dir", "/" stays.
std::string local_strip(std::string_view p) {
  std::size_t n = p.size();
  while (n > 1 && is_local_sep(p[n - 1])) --n;
  return std::string(p.substr(0, n));
}

bool local_trailing_slash(std::string_view p) { return !p.empty() && is_local_sep(p.back()); }

// Name a local source contributes to the destination; "" for ".", ".." and "/" (their contents
// are copied, as with Unix cp).
std::string local_name(std::string_view src) {
  const std::string name = stdfs::path(local_strip(src)).filename().string();
  return name == "." || name == ".." ? std::string() : name;
}

// Joins a local directory and a name; "." and "" vanish so that paths stay short.
std::string local_join(std::string_view dir, std::string_view name) {
  if (name.empty()) return local_strip(dir);
  if (dir.empty() || dir == "." || dir == "./") return std::string(name);
  return (stdfs::path(std::string(dir)) / std::string(name)).string();
}

std::string local_parent(std::string_view p) {
  return stdfs::path(std::string(p)).parent_path().string();
}

// The status of a local path following symlinks; not_found for missing (and ENOTDIR) paths.
stdfs::file_status local_status(const std::string& p) {
  std::error_code ec;
  auto st = stdfs::status(p, ec);
  if (ec && st.type() != stdfs::file_type::not_found) {
    throw MpyError(fmt::format("cannot access '{}': {}", p, host_error_text(ec)));
  }
  return st;
}

std::int64_t local_size(const std::string& p) {
  std::error_code ec;
  const auto size = stdfs::file_size(p, ec);
  if (ec) throw MpyError(fmt::format("cannot access '{}': {}", p, host_error_text(ec)));
  return static_cast<std::int64_t>(size);
}

// The remote name of a path: "" for "", "/", "." and "..".
std::string remote_name(std::string_view path) {
  std::string name = remote_basename(path);
  return name == "." || name == ".." ? std::string() : name;
}

// An ordered, duplicate-free list of directories.
class DirList {
 public:
  explicit DirList(std::vector<std::string>& out) : out_(out) {}
  void add(const std::string& dir) {
    if (dir.empty() || dir == "/" || dir == ".") return;
    if (seen_.insert(dir).second) out_.push_back(dir);
  }

 private:
  std::vector<std::string>& out_;
  std::set<std::string> seen_;
};

// RemoteView::stat with a cache: every call is a round trip to the board.
class CachedStat {
 public:
  explicit CachedStat(RemoteView& remote) : remote_(remote) {}
  std::optional<std::int64_t> operator()(const std::string& path) {
    auto it = cache_.find(path);
    if (it == cache_.end()) it = cache_.emplace(path, remote_.stat(path)).first;
    return it->second;
  }

 private:
  RemoteView& remote_;
  std::map<std::string, std::optional<std::int64_t>> cache_;
};

// Makes sure the board directory that will hold a file exists: a missing one goes to \p dirs,
// a file there is an error. "" and "/" always exist.
void require_remote_parent(const std::string& parent, CachedStat& stat, DirList& dirs) {
  if (parent.empty() || parent == "/" || parent == ".") return;
  const auto st = stat(parent);
  if (!st) {
    dirs.add(parent);
  } else if (*st >= 0) {
    throw MpyError(fmt::format("Error creating file under file: {}", parent));
  }
}

// Where a single file goes on the board (upload and board-to-board rules).
std::string remote_file_dest(const std::string& name, std::string_view dest, bool dest_is_dir,
                             CachedStat& stat, DirList& dirs) {
  if (dest_is_dir) return join_remote(dest, name);  // parent checked by the caller
  const std::string target(dest);
  const auto st = stat(target);
  if (st && *st < 0) return join_remote(target, name);  // an existing directory: inside
  if (!st) require_remote_parent(remote_dirname(target), stat, dirs);
  return target;
}

// Walks a local directory: files (sorted) then subdirectories (sorted), depth first; \p guard
// decides at each directory (links inside followed, outside skipped, loops refused).
void walk_local(const std::string& src, const std::string& dst, const Excludes& excludes,
                CopyPlan& plan, DirList& dirs, LinkGuard& guard) {
  dirs.add(dst);
  std::error_code ec;
  std::vector<std::string> names;
  stdfs::directory_iterator it(src, ec);
  if (ec) throw MpyError(fmt::format("cannot read directory '{}': {}", src, host_error_text(ec)));
  for (; it != stdfs::directory_iterator(); it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) throw MpyError(fmt::format("cannot read directory '{}': {}", src, host_error_text(ec)));
  std::sort(names.begin(), names.end());

  std::vector<std::string> subdirs;
  for (const auto& name : names) {
    if (excludes.excluded(name)) continue;
    const std::string path = local_join(src, name);
    const auto st = local_status(path);
    if (stdfs::is_directory(st)) {
      subdirs.push_back(name);
    } else if (stdfs::is_regular_file(st)) {
      plan.files.push_back({path, join_remote(dst, name), local_size(path), {}});
    } else if (st.type() == stdfs::file_type::not_found) {
      throw UsageError(fmt::format("Source not found: {}", path));  // a dangling symlink
    } else {
      throw UsageError(fmt::format("not a regular file or directory: {}", path));
    }
  }
  for (const auto& name : subdirs) {
    const std::string path = local_join(src, name);
    if (!guard.enter(path)) continue;
    walk_local(path, join_remote(dst, name), excludes, plan, dirs, guard);
    guard.leave();
  }
}

// Makes sure a local directory can be created (a file in its place is an error).
void check_local_dir(const std::string& dir) {
  if (dir.empty()) return;
  const auto st = local_status(dir);
  if (stdfs::exists(st) && !stdfs::is_directory(st)) {
    throw MpyError(fmt::format("Error creating directory, this is file: {}", dir));
  }
}

// Adds the local directory that will hold a downloaded file when it is missing.
void require_local_parent(const std::string& parent, DirList& dirs) {
  if (parent.empty()) return;
  const auto st = local_status(parent);
  if (!stdfs::exists(st)) {
    dirs.add(parent);
  } else if (!stdfs::is_directory(st)) {
    throw MpyError(fmt::format("Error creating file under file: {}", parent));
  }
}

// Walks a remote tree: files (sorted) then subdirectories (sorted), depth first. Names that are
// not plain file names are refused with what is below them; \p root is the local directory
// every path must stay in.
void walk_remote(const files::TreeNode& node, const std::string& src, const std::string& dst,
                 const std::string& root, const Excludes& excludes, CopyPlan& plan, DirList& dirs) {
  if (!path_within(root, dst)) {
    throw MpyError(
        fmt::format("refusing to create '{}': it is outside '{}'", printable(dst), root));
  }
  check_local_dir(dst);
  dirs.add(dst);
  if (!node.children) return;
  std::vector<const files::TreeNode*> kids;
  for (const auto& child : *node.children) {
    if (!safe_board_name(child.name)) {
      plan.refused.push_back({src, child.name});
    } else if (!excludes.excluded(child.name)) {
      kids.push_back(&child);
    }
  }
  std::sort(kids.begin(), kids.end(),
            [](const files::TreeNode* a, const files::TreeNode* b) { return a->name < b->name; });
  for (const auto* kid : kids) {
    if (!kid->is_dir()) {
      plan.files.push_back(
          {join_remote(src, kid->name), local_join(dst, kid->name), kid->size, root});
    }
  }
  for (const auto* kid : kids) {
    if (kid->is_dir()) {
      walk_remote(*kid, join_remote(src, kid->name), local_join(dst, kid->name), root, excludes,
                  plan, dirs);
    }
  }
}

}  // namespace

// -------------------------------------------------------------------------------------------------
// CLI paths

CliPath parse_cli_path(std::string_view arg) {
  CliPath p;
  if (!arg.empty() && arg.front() == ':') {
    p.remote = true;
    p.path = to_forward_slashes(std::string(arg.substr(1)));
    p.trailing_slash = p.path.empty() || p.path.back() == '/';
  } else {
    p.path = std::string(arg);
    p.trailing_slash = local_trailing_slash(p.path);
  }
  return p;
}

std::string require_remote(std::string_view cmd, std::string_view arg) {
  if (arg.empty() || arg.front() != ':') {
    throw UsageError(fmt::format("{} requires device path (: prefix): {}", cmd, arg));
  }
  return to_forward_slashes(std::string(arg.substr(1)));
}

bool remote_dir_dest(std::string_view path) {
  if (path.empty() || path.back() == '/') return true;
  const auto pos = path.rfind('/');
  const std::string_view last = pos == std::string_view::npos ? path : path.substr(pos + 1);
  return last == "." || last == "..";
}

std::string join_remote(std::string_view dir, std::string_view name) {
  if (name.empty()) return strip_trailing_slash(dir);
  if (dir.empty()) return std::string(name);
  if (dir.back() == '/') return fmt::format("{}{}", dir, name);
  return fmt::format("{}/{}", dir, name);
}

std::string remote_basename(std::string_view path) {
  const std::string p = strip_trailing_slash(path);
  if (p == "/") return {};
  const auto pos = p.rfind('/');
  return pos == std::string::npos ? p : p.substr(pos + 1);
}

std::string remote_dirname(std::string_view path) {
  const std::string p = strip_trailing_slash(path);
  const auto pos = p.rfind('/');
  if (pos == std::string::npos) return {};
  std::string parent = p.substr(0, pos);
  while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
  return parent.empty() ? std::string("/") : parent;
}

std::string strip_trailing_slash(std::string_view path) {
  std::size_t n = path.size();
  while (n > 1 && path[n - 1] == '/') --n;
  return std::string(path.substr(0, n));
}

// -------------------------------------------------------------------------------------------------
// Board names

const char* board_name_problem(std::string_view name) noexcept {
  if (name.empty()) return "empty name";
  if (name == "." || name == "..") return "not a file name";
  if (name.find('/') != std::string_view::npos) return "contains '/'";
  if (name.find('\0') != std::string_view::npos) return "contains NUL";
#ifdef _WIN32
  // Separators and drive letters of the host.
  if (name.find('\\') != std::string_view::npos) return "contains '\\'";
  if (name.find(':') != std::string_view::npos) return "contains ':'";
#endif
  return nullptr;
}

bool safe_board_name(std::string_view name) noexcept { return board_name_problem(name) == nullptr; }

std::string refused_message(const RefusedName& refused) {
  const char* problem = board_name_problem(refused.name);
  return fmt::format("refused board name '{}' in ':{}' ({})", printable(refused.name),
                     printable(refused.dir.empty() ? std::string(".") : refused.dir),
                     problem ? problem : "not a plain file name");
}

std::string refused_count(std::size_t n, std::string_view where) {
  return fmt::format("{} name{} listed by the board{} {} refused", n, n == 1 ? "" : "s", where,
                     n == 1 ? "was" : "were");
}

bool path_within(const stdfs::path& root, const stdfs::path& path) {
  std::error_code ec;
  stdfs::path cwd = stdfs::current_path(ec);
  if (ec) cwd = "/";
  const auto absolute = [&](const stdfs::path& p) {
    return (p.is_absolute() ? p : cwd / p).lexically_normal();
  };
  const stdfs::path r = absolute(root);
  const stdfs::path p = absolute(path);
  auto ri = r.begin();
  auto pi = p.begin();
  for (; ri != r.end(); ++ri, ++pi) {
    // lexically_normal keeps a trailing separator as an empty last element.
    if (ri->empty() && std::next(ri) == r.end()) break;
    if (pi == p.end() || *ri != *pi) return false;
  }
  return true;
}

// -------------------------------------------------------------------------------------------------
// Excludes, glob, sizes

Excludes::Excludes(std::vector<std::string> user, bool with_defaults) {
  if (with_defaults) patterns_ = defaults();
  for (auto& p : user) patterns_.push_back(std::move(p));
}

bool Excludes::excluded(std::string_view name) const {
  return std::any_of(patterns_.begin(), patterns_.end(),
                     [&](const std::string& p) { return glob_match(p, name); });
}

const std::vector<std::string>& Excludes::defaults() {
  static const std::vector<std::string> kDefaults = {
      "__pycache__", ".git", ".svn", ".hg", ".DS_Store", "*.pyc", ".mpytool-*", ".*.mpytmp"};
  return kDefaults;
}

bool glob_match(std::string_view pattern, std::string_view name) {
  const auto pat = decode(pattern);
  const auto str = decode(name);
  std::size_t p = 0, s = 0;
  std::size_t star_p = std::string::npos, star_s = 0;
  while (s < str.size()) {
    std::size_t next = 0;
    if (p < pat.size() && pat[p] == U'*') {
      star_p = ++p;
      star_s = s;
    } else if (p < pat.size() && match_one(pat, p, str[s], next)) {
      p = next;
      ++s;
    } else if (star_p != std::string::npos) {
      p = star_p;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == U'*') ++p;
  return p == pat.size();
}

int parse_size(std::string_view text) { return parse_chunk_size(text); }

// -------------------------------------------------------------------------------------------------
// cp planner

namespace {
// What a cp source on the board is: -1 for a directory ("" and "/" without asking), otherwise
// its size; nullopt when it does not exist.
std::optional<std::int64_t> stat_source(const std::string& src, RemoteView& remote) {
  const std::string path = strip_trailing_slash(src);
  return path.empty() || path == "/" ? std::optional<std::int64_t>(-1) : remote.stat(path);
}

// The board error for a cp source that does not exist (errno 2).
DeviceError source_not_found(const std::string& src) {
  return DeviceError(fmt::format("Source not found on device: {}", src), 2);
}
}  // namespace

CopyPlan plan_upload(const std::vector<std::string>& sources, std::string_view dest,
                     const Excludes& excludes, RemoteView& remote, bool follow_links) {
  if (sources.empty()) throw UsageError("cp requires source and destination");
  const bool dest_is_dir = remote_dir_dest(dest);
  const bool multiple =
      sources.size() > 1 || std::any_of(sources.begin(), sources.end(),
                                        [](const auto& s) { return local_trailing_slash(s); });
  if (multiple && !dest_is_dir) throw UsageError(kMultipleError);

  // Check every source before touching the board.
  std::vector<bool> is_dir;
  for (const auto& src : sources) {
    const auto st = local_status(src);
    const bool dir = stdfs::is_directory(st);
    if (!stdfs::exists(st) || (local_trailing_slash(src) && !dir)) {
      throw UsageError(fmt::format("Source not found: {}", src));
    }
    if (!dir && !stdfs::is_regular_file(st)) {
      throw UsageError(fmt::format("not a regular file or directory: {}", src));
    }
    is_dir.push_back(dir);
  }

  CopyPlan plan;
  DirList dirs(plan.dirs);
  CachedStat stat(remote);
  const std::string dest_dir = strip_trailing_slash(dest);
  // Files into a directory destination: that directory must exist (one stat for all).
  if (dest_is_dir && std::find(is_dir.begin(), is_dir.end(), false) != is_dir.end()) {
    require_remote_parent(dest_dir, stat, dirs);
  }
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::string& src = sources[i];
    const std::string name = local_name(src);
    if (is_dir[i]) {
      // Contents (trailing '/', ".") go straight into a directory destination; a destination
      // without '/' is the new name of the directory (merging into it when it exists).
      std::string root;
      if (!dest_is_dir) {
        root = std::string(dest);
      } else if (local_trailing_slash(src) || name.empty()) {
        root = dest_dir;
      } else {
        root = join_remote(dest, name);
      }
      LinkGuard guard(src, follow_links);
      walk_local(src, root, excludes, plan, dirs, guard);
      plan.skipped.insert(plan.skipped.end(), guard.skipped().begin(), guard.skipped().end());
    } else {
      const std::string dst = remote_file_dest(name, dest, dest_is_dir, stat, dirs);
      plan.files.push_back({src, dst, local_size(src), {}});
    }
  }
  return plan;
}

namespace {
// `cp :FILE -`: one board file to stdout; a directory or several sources have no place there.
CopyPlan plan_stdout(const std::vector<std::string>& sources, RemoteView& remote) {
  if (sources.size() > 1) throw UsageError("'-' (stdout) takes one file, not several");
  const std::optional<std::int64_t> found = stat_source(sources[0], remote);
  if (!found) throw UsageError(fmt::format("Source not found on device: {}", sources[0]));
  const std::int64_t st = *found;
  if (st < 0 || remote_dir_dest(sources[0])) {
    throw UsageError(fmt::format("cannot copy a directory to '-' (stdout): {}", sources[0]));
  }
  CopyPlan plan;
  plan.files.push_back({strip_trailing_slash(sources[0]), "-", st, {}});
  return plan;
}
}  // namespace

CopyPlan plan_download(const std::vector<std::string>& sources, std::string_view dest,
                       const Excludes& excludes, RemoteView& remote) {
  if (sources.empty()) throw UsageError("cp requires source and destination");
  if (dest == "-") return plan_stdout(sources, remote);
  const std::string dest_str = dest.empty() ? std::string(".") : std::string(dest);
  const bool dest_is_dir =
      local_trailing_slash(dest_str) || stdfs::is_directory(local_status(dest_str));
  const bool multiple =
      sources.size() > 1 ||
      std::any_of(sources.begin(), sources.end(), [](const auto& s) { return remote_dir_dest(s); });
  if (multiple && !dest_is_dir) throw UsageError(kMultipleError);

  // Stat every source first ("" and "/" are directories without asking).
  std::vector<std::int64_t> kinds;
  for (const auto& src : sources) {
    const std::optional<std::int64_t> st = stat_source(src, remote);
    // "file/" names no directory: not found either.
    if (!st || (remote_dir_dest(src) && *st >= 0)) throw source_not_found(src);
    kinds.push_back(*st);
  }

  CopyPlan plan;
  DirList dirs(plan.dirs);
  const std::string dest_dir = local_strip(dest_str);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::string src = strip_trailing_slash(sources[i]);
    const std::string name = remote_name(src);
    if (kinds[i] < 0) {
      std::string root;
      if (!dest_is_dir) {
        root = dest_str;
      } else if (remote_dir_dest(sources[i]) || name.empty()) {
        root = dest_dir;
      } else {
        root = local_join(dest_dir, name);
      }
      walk_remote(remote.tree(src), src, root, root, excludes, plan, dirs);
    } else {
      const std::string dst = dest_is_dir ? local_join(dest_dir, name) : dest_str;
      require_local_parent(local_parent(dst), dirs);
      plan.files.push_back({src, dst, kinds[i], {}});
    }
  }
  return plan;
}

CopyPlan plan_remote_copy(const std::vector<std::string>& sources, std::string_view dest,
                          RemoteView& remote) {
  if (sources.empty()) throw UsageError("cp requires source and destination");
  const bool dest_is_dir = remote_dir_dest(dest);
  const bool multiple =
      sources.size() > 1 ||
      std::any_of(sources.begin(), sources.end(), [](const auto& s) { return remote_dir_dest(s); });
  if (multiple && !dest_is_dir) throw UsageError(kMultipleError);

  std::vector<std::int64_t> sizes;
  for (const auto& src : sources) {
    const std::optional<std::int64_t> st = stat_source(src, remote);
    if (!st) throw source_not_found(src);
    if (*st < 0 || remote_dir_dest(src)) {
      throw UsageError("Remote-to-remote directory copy not supported");
    }
    sizes.push_back(*st);
  }

  CopyPlan plan;
  DirList dirs(plan.dirs);
  CachedStat stat(remote);
  if (dest_is_dir) require_remote_parent(strip_trailing_slash(dest), stat, dirs);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::string dst =
        remote_file_dest(remote_basename(sources[i]), dest, dest_is_dir, stat, dirs);
    plan.files.push_back({sources[i], dst, sizes[i], {}});
  }
  return plan;
}

// -------------------------------------------------------------------------------------------------
// display

std::string display_local(const stdfs::path& p) {
  std::error_code ec;
  const auto cwd = stdfs::current_path(ec);
  if (ec) return p.string();
  const auto abs = (p.is_absolute() ? p : cwd / p).lexically_normal();
  const auto rel = abs.lexically_relative(cwd);
  if (rel.empty()) return abs.string();
  int ups = 0;
  for (const auto& part : rel) {
    if (part == "..") ++ups;
  }
  if (ups > 2) return abs.string();
  std::string out = rel.string();
  // lexically_normal keeps a trailing separator as an empty last element: drop it.
  if (out.size() > 1 && is_local_sep(out.back())) out.pop_back();
  return out;
}

}  // namespace mpytool::fs
