// SPDX-License-Identifier: MIT
// `sync LOCAL :DST [--delete] [--dry-run] [--keep GLOB]... [--follow-links] [--json]`: make a
// board directory what a local one is, hash-based: one round trip decides what is unchanged, the
// rest is uploaded in one agent session; with --delete, board files that no longer exist locally go
// — never outside DST, never below a mount, never what `.mpyignore` or --keep protects.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <vector>

#include "command_support.hpp"
#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/files/hash.hpp"
#include "mpytool/fs/ignore.hpp"
#include "mpytool/fs/local_tree.hpp"
#include "mpytool/fs/sync_plan.hpp"
#include "mpytool/transfer/host_file.hpp"

namespace mpytool::fs {
namespace {

namespace stdfs = std::filesystem;
using Op = SyncAction::Op;

/// The local tree below \p dir (\p rel its path below the source) without excluded names and
/// ignored paths; \p guard decides at each directory (links inside the source followed, outside
/// skipped unless --follow-links, loops refused).
void local_entries(const stdfs::path& dir, const std::string& rel, const Excludes& excludes,
                   const IgnoreRules& ignore, LinkGuard& guard, std::vector<SyncEntry>& out) {
  std::error_code ec;
  std::vector<stdfs::path> names;
  stdfs::directory_iterator it(dir, ec);
  for (; !ec && it != stdfs::directory_iterator(); it.increment(ec)) {
    names.push_back(it->path().filename());
  }
  if (ec)
    throw MpyError(fmt::format("sync: cannot read '{}': {}", dir.string(), host_error_text(ec)));
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const stdfs::path p = dir / name;
    const std::string r = rel.empty() ? name.generic_string() : rel + "/" + name.generic_string();
    const bool is_dir = stdfs::is_directory(p, ec);
    if (excludes.excluded(name.string()) || r == ".mpyignore" || ignore.ignored(r, is_dir)) {
      continue;
    }
    if (is_dir) {
      if (!guard.enter(p)) continue;
      out.push_back({r, true, 0, false});
      local_entries(p, r, excludes, ignore, guard, out);
      guard.leave();
    } else if (stdfs::is_regular_file(p, ec)) {
      out.push_back({r, false, static_cast<std::int64_t>(stdfs::file_size(p, ec)), false});
    }
  }
}

class Progress : public files::TransferObserver {
 public:
  Progress(Output& out, std::vector<std::string> names) : out_(out), names_(std::move(names)) {}
  void on_progress(std::size_t i, std::int64_t done, std::int64_t total) override {
    out_.progress(1, fmt::format("[{}/{}] {} {}%", i + 1, names_.size(), printable(names_.at(i)),
                                 total > 0 ? done * 100 / total : 100));
  }

 private:
  Output& out_;
  std::vector<std::string> names_;
};

class SyncCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "sync";
    i.resumes_after_reset = true;  // the second plan holds what is still to do
    i.summary = "Make a board directory match a local one (hash-based).";
    i.description =
        "Uploads what is new or changed (one round trip finds what is unchanged), creates\n"
        "missing directories and, with --delete, removes board files that are gone locally.\n"
        "Paths that LOCAL/.mpyignore (gitignore syntax) or --keep matches are neither uploaded\n"
        "nor deleted; nothing outside DST and nothing below a mount is touched. Deleting more\n"
        "than half of the files under DST needs --force. --dry-run prints the plan\n"
        "(+ add, ~ update, - delete, = unchanged) and changes nothing. Symlinks to files are\n"
        "followed, and those to directories inside LOCAL; one to a directory outside LOCAL is\n"
        "skipped with a warning unless --follow-links; a loop (`up -> ..`) is an error.";
    using K = OptionSpec::Kind;
    i.options = {
        {"delete", 0, K::kFlag, "", "remove board files that do not exist locally", {}},
        {"dry-run", 'n', K::kFlag, "", "print the plan, change nothing", {}},
        {"keep", 0, K::kMulti, "GLOB", "never delete board paths matching GLOB (gitignore)", {}},
        {"force", 'f', K::kFlag, "", "allow deleting more than half of the files", {}},
        {"json", 0, K::kFlag, "", "print the plan and the result as JSON", {}},
        {"follow-links", 0, K::kFlag, "", "follow links to directories outside LOCAL", {}},
    };
    i.positionals = {{"local", "local directory", PositionalSpec::Arity::kOne},
                     {":dst", "board directory", PositionalSpec::Arity::kOne}};
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const stdfs::path local = args.positionals().at(0);
    std::error_code ec;
    if (!stdfs::is_directory(local, ec)) {
      throw UsageError(fmt::format("sync: '{}' is not a local directory", local.string()));
    }
    Mpy& mpy = ctx.mpy();
    std::string dst = strip_trailing_slash(require_remote("sync", args.positionals().at(1)));
    if (dst.empty() || dst.front() != '/') {
      dst = join_remote(mpy.chosen_cwd().value_or(mpy.getcwd()), dst);
    }
    if (is_host_path(mpy, dst)) {
      throw UsageError(fmt::format("sync: :{} is a directory the host serves (a mount)", dst));
    }
    files::Files files(mpy, use_transfer_options(ctx));
    Output& out = ctx.out();
    const bool dry = args.flag("dry-run");
    const bool json = args.flag("json");
    out.verbose(1, fmt::format("SYNC {} -> :{}{}", local.string(), dst, dry ? " (dry run)" : ""));

    IgnoreRules ignore;
    ignore.load(local);
    IgnoreRules keep;
    for (const auto& k : args.values("keep")) keep.add(k);
    const Excludes excludes(ctx.globals().plugin_options.values("exclude"));
    std::vector<SyncEntry> here;
    LinkGuard guard(local, args.flag("follow-links"));
    local_entries(local, "", excludes, ignore, guard, here);
    for (const auto& link : guard.skipped()) logger().warn(LinkGuard::skip_message(link));

    std::vector<SyncEntry> there;
    std::vector<RefusedName> refused;
    const std::optional<std::int64_t> st = files.stat(dst);
    if (st && *st >= 0) throw UsageError(fmt::format("sync: :{} is a file on the board", dst));
    if (st) there = flatten_board_tree(files.tree(dst), dst, refused);
    // Names the board listed that are not plain file names: never compared, never deleted (nor
    // the directories holding them); the sync goes on and fails at the end.
    for (const auto& r : refused) logger().warn("{}", refused_message(r));

    // Same-size files on both sides: one round trip says which hold the same content.
    std::map<std::string, const SyncEntry*> board_files;
    for (const auto& e : there) {
      if (!e.is_dir) board_files[e.rel] = &e;
    }
    std::vector<files::Files::Expected> expected;
    std::vector<std::string> expected_rel;
    for (const auto& e : here) {
      if (e.is_dir) continue;
      auto it = board_files.find(e.rel);
      if (it == board_files.end() || it->second->size != e.size) continue;
      expected.push_back({join_remote(dst, e.rel), e.size, files::sha256_file(local / e.rel)});
      expected_rel.push_back(e.rel);
    }
    std::map<std::string, bool> same;
    if (!expected.empty()) {
      if (auto u = files.unchanged(expected)) {
        for (std::size_t i = 0; i < u->size(); ++i) same[expected_rel[i]] = (*u)[i];
      }
    }
    const bool del = args.flag("delete");
    const SyncPlan plan = plan_sync(here, there, same, del, [&](const SyncEntry& e) {
      return ignore.ignored(e.rel, e.is_dir) || keep.ignored(e.rel, e.is_dir) ||
             is_host_path(mpy, join_remote(dst, e.rel));
    });
    const std::size_t deleting = [&] {
      std::size_t n = 0;
      for (const auto& a : plan.actions) n += a.op == Op::kDelete && !a.is_dir;
      return n;
    }();
    if (!dry && deleting * 2 > plan.board_files && plan.board_files > 0 && !args.flag("force") &&
        !ctx.globals().plugin_options.flag("force")) {
      throw UsageError(fmt::format("sync: this would delete {} of the {} files under :{}", deleting,
                                   plan.board_files, dst),
                       "check with --dry-run, then add --force");
    }

    if (!dry) apply(files, out, plan, local, dst);

    std::vector<std::string> rows;
    for (const auto& a : plan.actions) {
      const std::string shown = a.rel + (a.is_dir ? "/" : "");
      if (json) {
        rows.push_back(fmt::format(R"({{"op":"{}","path":{},"dir":{},"size":{}}})", a.word(),
                                   json_quote(shown), a.is_dir ? "true" : "false", a.size));
      } else if (dry || a.op != Op::kUnchanged || out.verbosity() >= 2) {
        out.out() << a.sign() << " " << printable(shown) << "\n";
      }
    }
    const std::size_t added = plan.count(Op::kAdd), updated = plan.count(Op::kUpdate),
                      deleted = plan.count(Op::kDelete), unchanged = plan.count(Op::kUnchanged);
    if (json) {
      std::vector<std::string> names;
      for (const auto& r : refused) {
        names.push_back(
            fmt::format(R"({{"dir":{},"name":{}}})", json_quote(":" + r.dir), json_quote(r.name)));
      }
      out.out() << fmt::format(
          R"({{"dry_run":{},"destination":{},"plan":[{}],"added":{},"updated":{},"deleted":{},)"
          R"("unchanged":{}{}}})"
          "\n",
          dry ? "true" : "false", json_quote(":" + dst), fmt::join(rows, ","), added, updated,
          deleted, unchanged,
          names.empty() ? std::string() : fmt::format(R"(,"refused":[{}])", fmt::join(names, ",")));
    }
    out.out().flush();
    out.verbose(1, fmt::format("sync: {} {}, {} {}, {} {}, {} unchanged{}", added,
                               dry ? "to add" : "added", updated, dry ? "to update" : "updated",
                               deleted, dry ? "to delete" : "deleted", unchanged,
                               dry ? " (dry run: nothing changed)" : ""));
    if (!refused.empty()) {
      throw DeviceError(fmt::format("sync: {} (not plain file names)",
                                    refused_count(refused.size(), " under :" + dst)));
    }
    if (!dry && added + updated + deleted == 0) ctx.note_outcome("unchanged");
    return 0;
  }

 private:
  /// Deletions, then directories, then the uploads in one session.
  static void apply(files::Files& files, Output& out, const SyncPlan& plan,
                    const stdfs::path& local, const std::string& dst) {
    std::vector<std::string> gone, dirs;
    std::vector<files::UploadItem> items;
    std::vector<std::string> names;
    for (const auto& a : plan.actions) {
      const std::string remote = join_remote(dst, a.rel);
      if (a.op == Op::kDelete) {
        gone.push_back(remote);
      } else if (a.op == Op::kAdd && a.is_dir) {
        dirs.push_back(remote);
      } else if (a.op == Op::kAdd || a.op == Op::kUpdate) {
        items.push_back({read_host_file((local / a.rel).string()), remote, std::nullopt});
        names.push_back(a.rel);
      }
    }
    files.remove_many(gone);
    // DST itself when it is new, and each new directory.
    dirs.insert(dirs.begin(), dst);
    files.mkdirs(dirs);
    if (!items.empty()) {
      Progress progress(out, names);
      files.put_many(items, &progress);
      out.end_progress();
    }
  }
};

}  // namespace

std::unique_ptr<Command> make_sync_command() { return std::make_unique<SyncCommand>(); }

}  // namespace mpytool::fs
