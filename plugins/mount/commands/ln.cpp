// SPDX-License-Identifier: MIT
// `ln SRC... :DST[/]` (docs/compatibility.md, "Mount"): host files or directories linked into an
// active mount, on the host side only (they survive remounts).
#include <fmt/format.h>

#include <filesystem>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/mount/mounts.hpp"
#include "mpytool/plugin/context.hpp"

namespace mpytool::mount {
namespace {

namespace fs = std::filesystem;

class LnCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "ln";
    i.rank = help_rank::kLn;
    i.summary = "Link local file/directory into mounted VFS.";
    i.description =
        "ln ./drivers :/remote/lib/ makes /remote/lib/drivers show ./drivers; a trailing '/' on\n"
        "the destination means \"into\", on a source \"its contents\". Needs a mount earlier in\n"
        "the chain: mount ./app :/app -- ln ./drivers :/app/lib/ -- repl";
    i.positionals.push_back({"src... :dst", "local files or directories, then a path in a mount",
                             PositionalSpec::Arity::kZeroOrMore});
    i.needs = Needs::kPort;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const auto& words = args.positionals();
    if (words.size() < 2) throw UsageError("ln requires source(s) and destination");
    const std::string& dst_arg = words.back();
    if (!dst_arg.starts_with(":"))
      throw UsageError("ln destination must be device path (: prefix)");
    std::string dst = dst_arg.substr(1);
    if (dst.empty() || dst.front() != '/') {
      throw UsageError("ln destination must be absolute path (e.g. :/lib/)");
    }
    const bool dst_dir = dst.back() == '/';
    const std::vector<std::string> sources(words.begin(), words.end() - 1);
    if (sources.size() > 1 && !dst_dir) {
      throw UsageError("multiple sources require directory destination (trailing /)");
    }
    for (const auto& s : sources) {
      if (s.size() > 1 && s.back() == '/' && !dst_dir) {
        throw UsageError(
            "contents source (trailing /) requires directory destination (trailing /)");
      }
    }
    while (dst.size() > 1 && dst.back() == '/') dst.pop_back();
    Mounts* mounts = Mounts::find(ctx.mpy());
    const std::string mp = mounts ? mounts->owner_of(dst) : std::string();
    if (mp.empty()) throw UsageError("ln requires an active mount (use mount first)");
    std::string rel = dst.substr(mp.size());
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    for (const auto& s : sources) {
      std::error_code ec;
      if (!fs::exists(s, ec)) throw UsageError(fmt::format("source not found: '{}'", s));
      const bool contents = s.size() > 1 && s.back() == '/';
      std::string sub = rel;
      if (dst_dir && !contents) {
        std::string name = fs::path(s).lexically_normal().filename().string();
        if (name.empty()) name = fs::weakly_canonical(s).filename().string();
        sub = rel.empty() ? name : rel + "/" + name;
      }
      if (sub.empty()) throw UsageError(fmt::format("cannot link over the mount point '{}'", mp));
      mounts->add_submount(mp, sub, s);
      ctx.out().verbose(1, fmt::format("Linked {} -> {}/{}", s, mp, sub));
    }
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_ln_command() { return std::make_unique<LnCommand>(); }

}  // namespace mpytool::mount
