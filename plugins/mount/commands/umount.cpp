// SPDX-License-Identifier: MIT
// `umount [:MP]`: ends one mount, or all of them, and leaves the board as it was before.
#include <fmt/format.h>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/mount/mounts.hpp"
#include "mpytool/plugin/context.hpp"

namespace mpytool::mount {
namespace {

class UmountCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "umount";
    i.summary = "Unmount a mounted local dir (default: all mounts).";
    i.positionals.push_back({":mp", "mount point", PositionalSpec::Arity::kOptional});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    Mounts* mounts = Mounts::find(ctx.mpy());
    std::vector<std::string> points;
    if (!args.positionals().empty()) {
      const std::string& arg = args.positionals().front();
      if (!arg.starts_with(":")) {
        throw UsageError(fmt::format("umount requires device path (: prefix): {}", arg));
      }
      std::string mp = arg.substr(1);
      while (mp.size() > 1 && mp.back() == '/') mp.pop_back();
      if (!mounts || mounts->owner_of(mp) != mp) {
        throw MpyError(fmt::format("no mount at '{}'", mp));
      }
      points.push_back(mp);
    } else if (mounts) {
      for (const auto& m : mounts->list()) points.push_back(m.mount_point);
    }
    if (points.empty()) {
      ctx.out().verbose(1, "No active mounts");
      return 0;
    }
    for (auto it = points.rbegin(); it != points.rend(); ++it) {
      mounts->unmount(*it);
      ctx.out().verbose(1, "Unmounted " + *it);
    }
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_umount_command() { return std::make_unique<UmountCommand>(); }

}  // namespace mpytool::mount
