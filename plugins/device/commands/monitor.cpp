// SPDX-License-Identifier: MIT
// `monitor [-f]`: stream the board's output raw to stdout (docs/compatibility.md, "Commands", "Soft
// reset and monitor").
#include <string>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/context.hpp"

namespace mpytool::device {
namespace {

class MonitorCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "monitor";
    i.rank = help_rank::kMonitor;
    i.summary = "Monitor device output until program ends.";
    i.description =
        "Leaves the raw REPL and writes everything the board prints to stdout, byte for byte.\n"
        "Without -f it stops at the REPL prompt that follows the program's end (also after\n"
        "'exec -t 0' in the same invocation: exec -t 0 CODE -- monitor). Ctrl-C stops it\n"
        "quietly (exit 0); a lost connection is reported and also ends it with exit 0.";
    i.options.push_back({"follow", 'f', OptionSpec::Kind::kFlag, "",
                         "keep following after the program ends (until Ctrl-C)", std::nullopt});
    i.needs = Needs::kPort;
    i.chains_leftovers = true;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const bool follow = args.flag("follow");
    Output& out = ctx.out();
    out.verbose(1,
                follow ? "MONITOR (Ctrl+C to stop)" : "MONITOR (until program ends, -f to follow)");
    try {
      Mpy& mpy = ctx.mpy();
      // Each check is also a safe point for session work (a mount's remount after a reboot).
      mpy.comm().monitor([&out](std::string_view chunk) { out.data(chunk); }, follow,
                         [&ctx, &mpy] {
                           mpy.service(true);
                           return !ctx.interrupted();
                         });
    } catch (const ConnError& e) {
      out.out().flush();
      logger().error("{}", e.what());
      return 0;
    }
    if (ctx.interrupted()) {
      // Ctrl-C is how a followed monitor ends: not an error, and the chain goes on.
      ctx.clear_interrupt();
      out.data("\n");
    }
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_monitor_command() { return std::make_unique<MonitorCommand>(); }

}  // namespace mpytool::device
