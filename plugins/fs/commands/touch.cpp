// SPDX-License-Identifier: MIT
// `touch :file...` (from mpremote): creates missing files empty and leaves existing ones as they
// are, all in one round trip.
#include <fmt/format.h>

#include <algorithm>

#include "command_support.hpp"
#include "commands.hpp"
#include "mpytool/base/error.hpp"

namespace mpytool::fs {
namespace {

class TouchCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "touch";
    i.summary = "Create empty files on device (existing files are kept).";
    i.positionals.push_back({":file", "device files", PositionalSpec::Arity::kOneOrMore});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    std::vector<std::string> paths;
    for (const auto& arg : args.positionals()) paths.push_back(require_remote("touch", arg));
    std::string list = "[";
    for (const auto& p : paths) {
      ctx.out().verbose(1, "TOUCH: " + p);
      list += (list.size() > 1 ? "," : "") + repr_str(p);
    }
    list += "]";
    // Append mode creates a missing file and keeps the content of an existing one. A '.' per
    // file done tells which file failed.
    const std::string code =
        fmt::format("for p in {}:\n open(p,'ab').close()\n print(end='.')", list);
    try {
      ctx.mpy().comm().exec(code, 20.0);
    } catch (const CmdError& e) {
      const std::size_t done = std::count(e.result().begin(), e.result().end(), '.');
      const std::string& failed = paths.at(std::min(done, paths.size() - 1));
      // ENOENT: the parent directory is missing. Anything else (EISDIR...) as the board said.
      if (e.errno_value() == 2) throw DirNotFound(remote_dirname(failed));
      if (auto known =
              DeviceError::from_errno(fmt::format("touch ':{}'", failed), e.errno_value())) {
        throw *known;
      }
      throw;
    }
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_touch_command() { return std::make_unique<TouchCommand>(); }

}  // namespace mpytool::fs
