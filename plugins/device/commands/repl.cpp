// SPDX-License-Identifier: MIT
// `repl`: an interactive terminal to the board's friendly REPL (reference §1.4, §6).
#include <unistd.h>

#include "commands.hpp"
#include "mpytool/context.hpp"
#include "mpytool/log.hpp"
#include "mpytool/mpy.hpp"
#include "mpytool/output.hpp"
#include "terminal.hpp"

namespace mpytool::device {
namespace {

class ReplCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "repl";
    i.rank = 13;  // the seed's help order
    i.summary = "Interactive REPL session. Press Ctrl-] to exit.";
    i.description =
        "Leaves the raw REPL and connects the terminal to the board: every key goes to the\n"
        "board unchanged (Ctrl-C interrupts the board's program, Ctrl-D soft-resets it), and\n"
        "the board's output is shown raw. Ctrl-] ends the session. Needs an interactive\n"
        "terminal on stdin; without one it only logs a warning (exit 0).";
    i.needs = Needs::kPort;
    i.chains_leftovers = true;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs&) override {
    if (::isatty(STDIN_FILENO) == 0) {
      logger().warn("REPL requires interactive terminal");
      return 0;
    }
    ctx.mpy().comm().exit_raw_repl();
    // Raw before the banner: a key typed as soon as it shows must not be cooked by the line
    // discipline (Enter would reach the board as \n, which its REPL ignores). Raw output has no
    // \n -> \r\n translation, so the banner brings its own \r on a terminal.
    RawTerminal raw(STDIN_FILENO);  // restored on every way out of run()
    Output& out = ctx.out();
    out.verbose(1, ::isatty(STDERR_FILENO) ? "REPL (Ctrl+] to exit)\r" : "REPL (Ctrl+] to exit)");
    out.err().flush();
    auto show = [&out](std::string_view chunk) { out.data(chunk); };
    // An outside SIGINT (Ctrl-C itself is a key in raw mode) ends the session; the dispatcher
    // then reports it.
    // Each check is also a safe point for session work, e.g. a mount's remount once the board
    // is back at its prompt after a soft reboot (Ctrl-D).
    Mpy& mpy = ctx.mpy();
    auto stop = [&ctx, &mpy] {
      mpy.service(true);
      return ctx.interrupted();
    };
    try {
      run_terminal(ctx.conn(), STDIN_FILENO, show, stop);
    } catch (...) {
      out.data("\r\n");  // an error message then starts on a fresh line
      throw;
    }
    out.data("\r\n");
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_repl_command() { return std::make_unique<ReplCommand>(); }

}  // namespace mpytool::device
