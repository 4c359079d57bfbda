// SPDX-License-Identifier: MIT
// `mkdir :path...`: creates directories with their parents, all in one round trip
// (docs/compatibility.md, "Commands"). An existing directory is fine; a file in the way is an
// error.
#include "command_support.hpp"
#include "commands.hpp"

namespace mpytool::fs {
namespace {

class MkdirCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "mkdir";
    i.rank = help_rank::kMkdir;
    i.summary = "Create directory (with parents if needed).";
    i.positionals.push_back({":path", "device directories", PositionalSpec::Arity::kOneOrMore});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    std::vector<std::string> paths;
    for (const auto& arg : args.positionals()) paths.push_back(require_remote("mkdir", arg));
    files::Files files(ctx.mpy());
    for (const auto& path : paths) ctx.out().verbose(1, "MKDIR: " + path);
    files.mkdirs(paths);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_mkdir_command() { return std::make_unique<MkdirCommand>(); }

}  // namespace mpytool::fs
