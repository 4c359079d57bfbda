// SPDX-License-Identifier: MIT
/// \file
/// What `sync LOCAL :DST` does, decided from both sides' listings: add what is missing, update
/// what differs, and (with --delete) remove what no longer exists locally — never what the
/// protection rules (`.mpyignore`, `--keep`) or the host-served paths cover.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mpytool/files/files.hpp"
#include "mpytool/fs/export.hpp"
#include "mpytool/fs/paths.hpp"

namespace mpytool::fs {

/// One file or directory of a side, relative to its root ("lib/x.py", '/'-separated).
struct SyncEntry {
  std::string rel;
  bool is_dir = false;
  std::int64_t size = 0;
  /// A board directory whose listing (at any depth) held a refused name: what is in it is not
  /// fully known, so sync never deletes it.
  bool holds_refused = false;
};

/// The board side of a sync: the tree below \p root (the board directory \p node was listed
/// from) flattened to paths relative to it, parents before children. Names that are not plain
/// file names (board_name_problem()) are left out with everything below them and reported in
/// \p refused; the directories that hold one get SyncEntry::holds_refused.
MPYTOOL_FS_API std::vector<SyncEntry> flatten_board_tree(const files::TreeNode& node,
                                                         const std::string& root,
                                                         std::vector<RefusedName>& refused);

/// One step of a sync.
struct MPYTOOL_FS_API SyncAction {
  enum class Op { kAdd, kUpdate, kDelete, kUnchanged };
  Op op = Op::kAdd;
  std::string rel;
  bool is_dir = false;
  std::int64_t size = 0;

  /// "+", "~", "-" or "=".
  const char* sign() const noexcept;
  /// "add", "update", "delete" or "unchanged".
  const char* word() const noexcept;
};

/// The plan: deletions first (deepest first), then directories to create (parents first), then
/// files to upload; unchanged files last.
struct MPYTOOL_FS_API SyncPlan {
  std::vector<SyncAction> actions;
  std::size_t board_files = 0;  ///< files under DST on the board before the sync
  std::size_t count(SyncAction::Op op) const;
};

/// Decides the plan. \p unchanged: for a local file that is a same-size file on the board, true
/// when its content is the same. \p protect: true for a board path sync must never delete
/// (SyncEntry::holds_refused protects a directory too).
/// Throws UsageError when a path is a file on one side and a directory on the other and
/// \p del is off ("use --delete to replace it").
MPYTOOL_FS_API SyncPlan plan_sync(const std::vector<SyncEntry>& local,
                                  const std::vector<SyncEntry>& board,
                                  const std::map<std::string, bool>& unchanged, bool del,
                                  const std::function<bool(const SyncEntry&)>& protect);

}  // namespace mpytool::fs
