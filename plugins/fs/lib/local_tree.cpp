// SPDX-License-Identifier: MIT
// Where a walk of a local source tree may go through symbolic links (local_tree.hpp).
#include "mpytool/fs/local_tree.hpp"

#include <spdlog/fmt/fmt.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "mpytool/base/error.hpp"
#include "mpytool/fs/paths.hpp"

namespace mpytool::fs {

namespace stdfs = std::filesystem;

namespace {

// The (device, inode) of what \p p leads to; errno on failure.
int identity(const stdfs::path& p, std::pair<dev_t, ino_t>& id) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return errno;
  id = {st.st_dev, st.st_ino};
  return 0;
}

[[noreturn]] void cannot_access(const stdfs::path& p, int err) {
  throw MpyError(fmt::format("cannot access '{}': {}", p.string(), host_error_text(err)));
}

}  // namespace

LinkGuard::LinkGuard(const stdfs::path& root, bool follow_links) : follow_(follow_links) {
  std::error_code ec;
  real_root_ = stdfs::canonical(root, ec);
  if (ec) cannot_access(root, ec.value());
  Id id{};
  if (const int err = identity(real_root_, id)) cannot_access(root, err);
  path_.push_back(id);
  for (stdfs::path p = real_root_.parent_path();; p = p.parent_path()) {
    if (identity(p, id) == 0) holders_.insert(id);
    if (p == p.parent_path()) break;
  }
}

bool LinkGuard::enter(const stdfs::path& dir) {
  std::error_code ec;
  const bool link = stdfs::is_symlink(stdfs::symlink_status(dir, ec));
  Id id{};
  if (const int err = identity(dir, id)) cannot_access(dir, err);
  if (std::find(path_.begin(), path_.end(), id) != path_.end() || holders_.count(id)) {
    throw MpyError(fmt::format("directory loop (symlink) at '{}'", dir.string()));
  }
  if (link && !follow_) {
    const stdfs::path real = stdfs::canonical(dir, ec);
    if (ec) cannot_access(dir, ec.value());
    // Component-wise: /x/app2 is not below /x/app.
    if (!path_within(real_root_, real)) {
      skipped_.push_back(dir.string());
      return false;
    }
  }
  path_.push_back(id);
  return true;
}

void LinkGuard::leave() {
  if (path_.size() > 1) path_.pop_back();
}

std::string LinkGuard::skip_message(const std::string& link) {
  return fmt::format("skipping '{}': a link to a directory outside the source (--follow-links)",
                     link);
}

}  // namespace mpytool::fs
