// SPDX-License-Identifier: MIT
// `cat :file...`: board files to stdout byte for byte (docs/compatibility.md, "Commands";
// binary-safe, unlike the Python mpytool's UTF-8 decode, and without an added newline).
#include "command_support.hpp"
#include "commands.hpp"

namespace mpytool::fs {
namespace {

class CatCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "cat";
    i.rank = help_rank::kCat;
    i.summary = "Print file content from device to stdout.";
    i.positionals.push_back({":file", "device file(s)", PositionalSpec::Arity::kOneOrMore});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    std::vector<std::string> paths;
    for (const auto& arg : args.positionals()) paths.push_back(require_remote("cat", arg));
    files::Files files(ctx.mpy(), use_transfer_options(ctx));
    for (const auto& path : paths) {
      ctx.out().verbose(1, "CAT: " + path);
      ctx.out().data(files.get(path));
    }
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_cat_command() { return std::make_unique<CatCommand>(); }

}  // namespace mpytool::fs
