// SPDX-License-Identifier: MIT
// `pwd`: the board's working directory on stdout (docs/compatibility.md, "Commands").
#include "command_support.hpp"
#include "commands.hpp"

namespace mpytool::fs {
namespace {

class PwdCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "pwd";
    i.rank = help_rank::kPwd;
    i.summary = "Print current working directory on device.";
    i.needs = Needs::kRepl;
    i.chains_leftovers = true;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs&) override {
    const std::string cwd = ctx.mpy().getcwd();
    ctx.out().verbose(1, "PWD");
    ctx.out().data(printable(cwd) + "\n");
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_pwd_command() { return std::make_unique<PwdCommand>(); }

}  // namespace mpytool::fs
