// SPDX-License-Identifier: MIT
// `_paths [:dir]`: the hidden listing the shell completion scripts call ("name" or "name/" per
// line, board order). Board and link errors are silent: completion must not print errors.
#include "command_support.hpp"
#include "commands.hpp"
#include "mpytool/base/error.hpp"

namespace mpytool::fs {
namespace {

class PathsCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "_paths";
    i.summary = "List a device directory for shell completion.";
    i.positionals.push_back(
        {":path", "device directory (default: CWD)", PositionalSpec::Arity::kOptional});
    i.needs = Needs::kNothing;  // connects in run(), so that link errors stay silent too
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    std::string path;
    if (!args.positionals().empty()) {
      path = strip_trailing_slash(require_remote("_paths", args.positionals().front()));
    }
    std::string text;
    try {
      Mpy& mpy = ctx.mpy();
      mpy.comm().enter_raw_repl();
      files::Files files(mpy);
      for (const files::Entry& e : files.ls(path)) {
        // One name a line for a shell: names that are not plain file names, or that a shell
        // would get wrong (control characters, line breaks), are left out.
        if (!safe_board_name(e.name) || printable(e.name) != e.name) continue;
        text += e.name + (e.is_dir() ? "/\n" : "\n");
      }
    } catch (const Interrupted&) {
      throw;
    } catch (const MpyError&) {
      return 0;
    }
    ctx.out().data(text);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_paths_command() { return std::make_unique<PathsCommand>(); }

}  // namespace mpytool::fs
