// SPDX-License-Identifier: MIT
// `mount [-m] [-w] [--json] [LOCAL [:MP]]...` (docs/compatibility.md, "Commands", "Mount"): host
// directories on the board for the rest of the command chain; without arguments, the active mounts.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <set>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/mount/mounts.hpp"
#include "mpytool/mpy_cross/mpy_cross.hpp"
#include "mpytool/plugin/context.hpp"

namespace mpytool::mount {
namespace {

struct Pair {
  std::string local;
  std::string mp;
};

bool nested(const std::string& a, const std::string& b) {
  return a.size() > b.size() && a.compare(0, b.size(), b) == 0 && a[b.size()] == '/';
}

std::vector<Pair> parse_pairs(const std::vector<std::string>& words) {
  std::vector<Pair> pairs;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i].starts_with(":")) {
      throw UsageError(fmt::format("mount requires a local directory before '{}'", words[i]));
    }
    Pair p{words[i], "/remote"};
    if (i + 1 < words.size() && words[i + 1].starts_with(":")) {
      p.mp = words[++i].substr(1);
      while (p.mp.size() > 1 && p.mp.back() == '/') p.mp.pop_back();
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(p.local, ec)) {
      throw UsageError(fmt::format("mount directory not found: {}", p.local));
    }
    if (p.mp.empty() || p.mp.front() != '/') {
      throw UsageError("mount point must be absolute path (e.g. :/app)");
    }
    pairs.push_back(std::move(p));
  }
  std::set<std::string> seen;
  for (const auto& p : pairs) {
    if (!seen.insert(p.mp).second) throw UsageError("duplicate mount points");
  }
  for (const auto& a : pairs) {
    for (const auto& b : pairs) {
      if (nested(a.mp, b.mp))
        throw UsageError(fmt::format("nested mount '{}' is not allowed", a.mp));
    }
  }
  return pairs;
}

int list_mounts(CommandContext& ctx, bool json) {
  Mounts* mounts = Mounts::find(ctx.mpy());
  const std::vector<MountInfo> list = mounts ? mounts->list() : std::vector<MountInfo>{};
  Output& out = ctx.out();
  if (json) {
    std::vector<std::string> rows;
    for (const auto& m : list) {
      std::vector<std::string> subs;
      for (const auto& [path, local] : m.submounts) {
        subs.push_back(fmt::format(R"({{"path":{},"local":{}}})", json_quote(path),
                                   json_quote(local.string())));
      }
      rows.push_back(fmt::format(
          R"({{"mount_point":{},"local":{},"writable":{},"mpy":{},"open_files":{},"requests":{},)"
          R"("submounts":[{}]}})",
          json_quote(m.mount_point), json_quote(m.local.string()), m.writable, m.mpy, m.open_files,
          m.requests, fmt::join(subs, ",")));
    }
    out.data(fmt::format("[{}]\n", fmt::join(rows, ",")));
    return 0;
  }
  if (list.empty()) {
    out.verbose(1, "No active mounts");
    return 0;
  }
  for (const auto& m : list) {
    out.data(fmt::format("{:12} {} ({}{})\n", m.mount_point, m.local.string(),
                         m.writable ? "read-write" : "readonly",
                         m.mpy ? ", .mpy compilation" : ""));
    for (const auto& [path, local] : m.submounts) {
      out.data(fmt::format("  {} -> {}\n", path, local.string()));
    }
  }
  return 0;
}

class MountCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "mount";
    i.rank = help_rank::kMount;
    i.summary = "Mount local dir as VFS. Without args, list mounts.";
    i.description =
        "The board reads (and with -w writes) the host directory as if it were its own, for the\n"
        "rest of the command chain: mount ./src -- repl, mount ./src -- exec \"import app\".\n"
        "Default mount point :/remote; the CWD moves to the first mount point. A soft reboot\n"
        "(Ctrl-D in repl, a chained reset) mounts everything again, with CWD and sys.path.\n"
        "The board can never reach outside the directory and its `ln` sources.";
    using K = OptionSpec::Kind;
    i.options = {
        {"mpy", 'm', K::kFlag, "", "compile .py to .mpy with mpy-cross on the fly", {}},
        {"writable", 'w', K::kFlag, "", "allow the board to write (default: read-only)", {}},
        {"json", 0, K::kFlag, "", "list the mounts as JSON", {}},
    };
    i.positionals.push_back({"local [:mp]", "local directory and mount point (default: /remote)",
                             PositionalSpec::Arity::kZeroOrMore});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const std::vector<Pair> pairs = parse_pairs(args.positionals());
    if (pairs.empty()) return list_mounts(ctx, args.flag("json"));
    Mpy& mpy = ctx.mpy();
    Output& out = ctx.out();
    std::shared_ptr<MpyCross> mpy_cross;
    if (args.flag("mpy")) {
      mpy_cross = std::make_shared<MpyCross>();
      if (!mpy_cross->init(mpy.platform())) mpy_cross.reset();
    }
    Mounts& mounts = Mounts::of(mpy);
    const bool first = mounts.empty();
    const bool writable = args.flag("writable");
    for (const auto& p : pairs) {
      mounts.mount(p.local, p.mp, writable, mpy_cross);
      out.verbose(1, fmt::format("Mounted {} on {} ({}{})", p.local, p.mp,
                                 writable ? "read-write" : "readonly",
                                 mpy_cross ? ", .mpy compilation" : ""));
    }
    if (first) out.verbose(1, "Changed CWD to " + pairs.front().mp, Color::kCyan);
    if (args.flag("json")) return list_mounts(ctx, true);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_mount_command() { return std::make_unique<MountCommand>(); }

}  // namespace mpytool::mount
