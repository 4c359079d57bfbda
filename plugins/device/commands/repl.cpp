// SPDX-License-Identifier: MIT
// `repl`: an interactive terminal to the board's friendly REPL (docs/compatibility.md, "Commands",
// "Terminal, edit, speedtest, rtc").
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/repl/mpy_comm.hpp"
#include "mpytool/transfer/host_file.hpp"
#include "terminal.hpp"

namespace mpytool::device {
namespace {

class ReplCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "repl";
    i.rank = help_rank::kRepl;
    i.summary = "Interactive REPL session. Press Ctrl-] to exit.";
    i.description =
        "Leaves the raw REPL and connects the terminal to the board: every key goes to the\n"
        "board unchanged (Ctrl-C interrupts the board's program, Ctrl-D soft-resets it), and\n"
        "the board's output is shown raw. Ctrl-] ends the session. Needs an interactive\n"
        "terminal on stdin; without one it only logs a warning (exit 0).\n"
        "--capture FILE also writes everything the board printed to FILE; --run FILE runs a\n"
        "local script first and keeps its globals (like python -i); --inject FILE pastes it\n"
        "in paste mode (Ctrl-E ... Ctrl-D), as if typed.";
    using K = OptionSpec::Kind;
    i.options = {
        {"capture", 0, K::kValue, "FILE", "write what the board printed to FILE", {}},
        {"run", 0, K::kValue, "FILE", "run a local script first, then stay interactive", {}},
        {"inject", 0, K::kValue, "FILE", "paste a local file first (paste mode)", {}},
    };
    i.needs = Needs::kPort;
    i.chains_leftovers = true;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    if (::isatty(STDIN_FILENO) == 0) {
      logger().warn("REPL requires interactive terminal");
      return 0;
    }
    // Read the local files before anything reaches the board: a typo costs nothing.
    const std::string script = args.value("run") ? read_host_file(*args.value("run")) : "";
    const std::string paste = args.value("inject") ? read_host_file(*args.value("inject")) : "";
    std::ofstream capture;
    if (auto f = args.value("capture")) {
      errno = 0;
      capture.open(*f, std::ios::binary | std::ios::trunc);
      if (!capture) {
        throw MpyError(
            fmt::format("cannot write '{}': {}", *f, host_error_text(errno ? errno : EIO)));
      }
    }
    Output& out = ctx.out();
    auto show = [&out, &capture](std::string_view chunk) {
      out.data(chunk);
      if (capture.is_open()) {
        capture.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        capture.flush();
      }
    };
    if (args.value("run")) {
      // The raw REPL runs in __main__: what the script defines is there at the prompt after.
      try {
        ctx.mpy().comm().exec(script, std::nullopt, show);
      } catch (const CmdError& e) {
        show(std::string(e.what()) + "\n");  // as python -i: the traceback, then the prompt
      }
    }
    ctx.mpy().comm().exit_raw_repl();
    // Raw before the banner: a key typed as soon as it shows must not be cooked by the line
    // discipline (Enter would reach the board as \n, which its REPL ignores). Raw output has no
    // \n -> \r\n translation, so the banner brings its own \r on a terminal.
    RawTerminal raw(STDIN_FILENO);  // restored on every way out of run()
    out.verbose(1, ::isatty(STDERR_FILENO) ? "REPL (Ctrl+] to exit)\r" : "REPL (Ctrl+] to exit)");
    out.err().flush();
    if (args.value("inject")) {
      // Paste mode: the board echoes the lines and runs them at Ctrl-D.
      std::string text = paste;
      for (auto& c : text) {
        if (c == '\n') c = '\r';
      }
      ctx.conn().write("\x05" + text + "\x04");
    }
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
