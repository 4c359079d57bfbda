// SPDX-License-Identifier: MIT
#include "mpytool/fs/sync_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "mpytool/base/error.hpp"

namespace mpytool::fs {

const char* SyncAction::sign() const noexcept {
  switch (op) {
    case Op::kAdd:
      return "+";
    case Op::kUpdate:
      return "~";
    case Op::kDelete:
      return "-";
    case Op::kUnchanged:
      return "=";
  }
  return "?";
}

const char* SyncAction::word() const noexcept {
  switch (op) {
    case Op::kAdd:
      return "add";
    case Op::kUpdate:
      return "update";
    case Op::kDelete:
      return "delete";
    case Op::kUnchanged:
      return "unchanged";
  }
  return "?";
}

std::size_t SyncPlan::count(SyncAction::Op op) const {
  return static_cast<std::size_t>(std::count_if(actions.begin(), actions.end(),
                                                [op](const SyncAction& a) { return a.op == op; }));
}

namespace {

// Appends the entries below \p node; true when a refused name was met at any depth.
bool flatten(const files::TreeNode& node, const std::string& prefix, const std::string& root,
             std::vector<SyncEntry>& out, std::vector<RefusedName>& refused) {
  bool tainted = false;
  for (const auto& c : node.children.value_or(std::vector<files::TreeNode>{})) {
    if (!safe_board_name(c.name)) {
      refused.push_back({join_remote(root, prefix), c.name});
      tainted = true;
      continue;
    }
    const std::string rel = prefix.empty() ? c.name : prefix + "/" + c.name;
    out.push_back({rel, c.is_dir(), c.is_dir() ? 0 : c.size, false});
    if (c.is_dir()) {
      const std::size_t at = out.size() - 1;
      if (flatten(c, rel, root, out, refused)) {
        out[at].holds_refused = true;
        tainted = true;
      }
    }
  }
  return tainted;
}

}  // namespace

std::vector<SyncEntry> flatten_board_tree(const files::TreeNode& node, const std::string& root,
                                          std::vector<RefusedName>& refused) {
  std::vector<SyncEntry> out;
  flatten(node, "", root, out, refused);
  return out;
}

SyncPlan plan_sync(const std::vector<SyncEntry>& local, const std::vector<SyncEntry>& board,
                   const std::map<std::string, bool>& unchanged, bool del,
                   const std::function<bool(const SyncEntry&)>& protect) {
  using Op = SyncAction::Op;
  std::map<std::string, const SyncEntry*> here, there;
  for (const auto& e : local) here[e.rel] = &e;
  for (const auto& e : board) there[e.rel] = &e;
  SyncPlan plan;
  for (const auto& e : board) plan.board_files += e.is_dir ? 0 : 1;

  std::vector<SyncAction> deletes, dirs, files, same;
  std::set<std::string> replaced;  // board paths deleted to make room for the other kind
  for (const auto& e : local) {
    auto it = there.find(e.rel);
    if (it != there.end() && it->second->is_dir != e.is_dir) {
      if (!del) {
        throw UsageError(fmt::format(
            "sync: '{}' is a {} here and a {} on the board (use --delete to replace it)", e.rel,
            e.is_dir ? "directory" : "file", e.is_dir ? "file" : "directory"));
      }
      deletes.push_back({Op::kDelete, e.rel, it->second->is_dir, it->second->size});
      replaced.insert(e.rel);
      it = there.end();
    }
    if (e.is_dir) {
      if (it == there.end()) dirs.push_back({Op::kAdd, e.rel, true, 0});
      continue;
    }
    if (it == there.end()) {
      files.push_back({Op::kAdd, e.rel, false, e.size});
    } else {
      auto u = unchanged.find(e.rel);
      const bool is_same = u != unchanged.end() && u->second;
      (is_same ? same : files)
          .push_back({is_same ? Op::kUnchanged : Op::kUpdate, e.rel, false, e.size});
    }
  }
  if (del) {
    // A board path goes when nothing local has its name and nothing protects it; a directory
    // only when everything in it goes too.
    std::set<std::string> kept_dirs;
    for (const auto& e : board) {
      if (here.count(e.rel) || replaced.count(e.rel)) continue;
      if ((protect && protect(e)) || e.holds_refused) {
        for (std::size_t s = e.rel.rfind('/'); s != std::string::npos && s > 0;
             s = e.rel.rfind('/', s - 1)) {
          kept_dirs.insert(e.rel.substr(0, s));
        }
        if (e.is_dir) kept_dirs.insert(e.rel);
      }
    }
    for (const auto& e : board) {
      if (here.count(e.rel) || replaced.count(e.rel)) continue;
      if ((protect && protect(e)) || e.holds_refused || (e.is_dir && kept_dirs.count(e.rel))) {
        continue;
      }
      // A protected path below keeps its directories.
      deletes.push_back({Op::kDelete, e.rel, e.is_dir, e.size});
    }
  }
  // Deepest first, so a directory goes after what was in it; parents created first.
  auto depth = [](const std::string& p) { return std::count(p.begin(), p.end(), '/'); };
  std::stable_sort(deletes.begin(), deletes.end(),
                   [&](const auto& a, const auto& b) { return depth(a.rel) > depth(b.rel); });
  std::stable_sort(dirs.begin(), dirs.end(),
                   [&](const auto& a, const auto& b) { return depth(a.rel) < depth(b.rel); });
  for (auto* v : {&deletes, &dirs, &files, &same}) {
    plan.actions.insert(plan.actions.end(), v->begin(), v->end());
  }
  return plan;
}

}  // namespace mpytool::fs
