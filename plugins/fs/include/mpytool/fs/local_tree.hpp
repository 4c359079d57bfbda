// SPDX-License-Identifier: MIT
/// \file
/// Where a walk of a local source tree (`cp`, `sync`, `watch`) may go through symbolic links.
/// The source is the directory the user named; a link below it may lead anywhere: `up -> ..`
/// would upload the parent tree, and the source again inside it, until the board is full. So:
///
/// - a symlink to a directory whose real path is inside the source's is followed;
/// - one that leads outside the source is skipped (and reported) unless `follow_links`;
/// - a loop — a directory that is already on the walk's path, or one that holds the source
///   (`..`, `/`) — is an error, decided before anything below it is read: the identity of a
///   directory is its (device, inode);
/// - symlinks to files are followed wherever they point: they are content, not a walk.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mpytool/fs/export.hpp"

namespace mpytool::fs {

/// The directories a walk of one source tree is inside, and its decision at each directory.
class MPYTOOL_FS_API LinkGuard {
 public:
  /// \p root: the source directory as the user gave it (it may be a symlink itself: the user
  /// named it). \p follow_links: also follow directory links that lead outside the source.
  /// Throws MpyError "cannot access 'ROOT': REASON".
  LinkGuard(const std::filesystem::path& root, bool follow_links);

  /// Before the walk reads directory \p dir (the root's path joined with the names below it):
  /// true to go in (call leave() when done with it), false for a link that leads outside the
  /// source (then also listed in skipped()). Throws MpyError "directory loop (symlink) at
  /// 'DIR'" for a loop and "cannot access 'DIR': REASON" when its target cannot be resolved.
  bool enter(const std::filesystem::path& dir);
  /// The walk is done with the directory of the last enter() that returned true.
  void leave();

  /// The links skipped so far, as the walk spelled them.
  const std::vector<std::string>& skipped() const noexcept { return skipped_; }
  /// The one-line warning for a skipped link (without "warning: ").
  static std::string skip_message(const std::string& link);

 private:
  using Id = std::pair<dev_t, ino_t>;
  std::filesystem::path real_root_;
  bool follow_ = false;
  std::vector<Id> path_;  ///< the real directories the walk is in, the root first
  std::set<Id> holders_;  ///< the root's ancestors: a link to one of them is a loop
  std::vector<std::string> skipped_;
};

}  // namespace mpytool::fs
