// SPDX-License-Identifier: MIT
// `stop`: interrupt a running program (Ctrl-C recovery).
#include "commands.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/context.hpp"

namespace mpytool::device {
namespace {

class StopCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "stop";
    i.rank = help_rank::kStop;
    i.summary = "Stop running program on device (send Ctrl-C).";
    i.needs = Needs::kPort;
    i.chains_leftovers = true;
    return i;
  }
  int run(CommandContext& ctx, const ParsedArgs&) override {
    ctx.mpy().stop();
    ctx.out().verbose(1, "STOP");
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_stop_command() { return std::make_unique<StopCommand>(); }

}  // namespace mpytool::device
