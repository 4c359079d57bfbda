// SPDX-License-Identifier: MIT
// `path [-f|-a|-d] [:p...]`: shows or changes the board's sys.path (docs/compatibility.md,
// "Commands").
#include <fmt/format.h>

#include "command_support.hpp"
#include "commands.hpp"
#include "mpytool/base/error.hpp"

namespace mpytool::fs {
namespace {

class PathCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "path";
    i.rank = help_rank::kPath;
    i.summary = "Manage sys.path. Without args, show current path.";
    i.options.push_back({"first", 'f', OptionSpec::Kind::kFlag, "", "prepend to sys.path", {}});
    i.options.push_back({"append", 'a', OptionSpec::Kind::kFlag, "", "append to sys.path", {}});
    i.options.push_back({"delete", 'd', OptionSpec::Kind::kFlag, "", "remove from sys.path", {}});
    i.positionals.push_back(
        {":path", "device paths (: is the CWD entry '')", PositionalSpec::Arity::kZeroOrMore});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const int modes = args.flag("first") + args.flag("append") + args.flag("delete");
    if (modes > 1) {
      throw UsageError("path: -f/--first, -a/--append and -d/--delete are mutually exclusive");
    }
    std::vector<std::string> paths;
    for (const auto& arg : args.positionals()) paths.push_back(require_remote("path", arg));
    Mpy& mpy = ctx.mpy();
    if (paths.empty()) {
      std::string line;
      for (const auto& p : mpy.get_sys_path()) {
        line += (line.empty() ? ":" : " :") + printable(p);
      }
      ctx.out().data(line + "\n");
      return 0;
    }
    std::string verb;
    if (args.flag("first")) {
      mpy.prepend_sys_path(paths);
      verb = "prepended";
    } else if (args.flag("append")) {
      mpy.append_sys_path(paths);
      verb = "appended";
    } else if (args.flag("delete")) {
      mpy.remove_from_sys_path(paths);
      verb = "removed";
    } else {
      mpy.set_sys_path(paths);
      verb = "set to";
    }
    ctx.out().verbose(1, fmt::format("PATH {} {} entries", verb, paths.size()));
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_path_command() { return std::make_unique<PathCommand>(); }

}  // namespace mpytool::fs
