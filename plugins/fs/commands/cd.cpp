// SPDX-License-Identifier: MIT
// `cd :path`: changes the board's working directory for the rest of the chain
// (docs/compatibility.md, "Commands").
#include "command_support.hpp"
#include "commands.hpp"

namespace mpytool::fs {
namespace {

class CdCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "cd";
    i.rank = help_rank::kCd;
    i.summary = "Change current working directory on device.";
    i.positionals.push_back({":path", "device directory", PositionalSpec::Arity::kOne});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    std::string path = strip_trailing_slash(require_remote("cd", args.positionals().front()));
    if (path.empty()) path = ".";   // ':' is the CWD already; chdir('') fails on some ports
    verbose_path(ctx, "CD", path);  // computed before the change, as in the Python mpytool
    ctx.mpy().chdir(path);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_cd_command() { return std::make_unique<CdCommand>(); }

}  // namespace mpytool::fs
