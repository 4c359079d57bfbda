// SPDX-License-Identifier: MIT
// `mv :src... :dst`: renames on the board; a destination ending with '/' (or ':' / ':/') is a
// directory that receives the sources under their own names (docs/compatibility.md, "Commands").
#include <fmt/format.h>

#include "command_support.hpp"
#include "commands.hpp"
#include "mpytool/base/error.hpp"

namespace mpytool::fs {
namespace {

class MvCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "mv";
    i.rank = help_rank::kMv;
    i.summary = "Move or rename files on device.";
    i.positionals.push_back(
        {":path", "source(s) and destination (: prefix)", PositionalSpec::Arity::kZeroOrMore});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const auto& words = args.positionals();
    if (words.size() < 2) throw UsageError("mv requires source and destination");
    std::vector<std::string> sources;
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
      sources.push_back(require_remote("mv", words[i]));
    }
    const std::string dest = require_remote("mv", words.back());
    const bool to_dir = remote_dir_dest(dest);
    if (sources.size() > 1 && !to_dir) {
      throw UsageError("multiple sources require destination directory (ending with /)");
    }

    files::Files files(ctx.mpy());
    for (const auto& src : sources) {
      if (!files.stat(src)) throw DeviceError("Source not found on device: " + src, 2);
    }
    if (to_dir && !dest.empty() && dest != "/") {
      // Missing: created; a file: mkdir() reports "Error creating directory, this is file".
      const std::string dir = strip_trailing_slash(dest);
      const auto st = files.stat(dir);
      if (!st || *st >= 0) files.mkdir(dir);
    }
    for (const auto& src : sources) {
      const std::string target = to_dir ? join_remote(dest, remote_basename(src)) : dest;
      ctx.out().verbose(1, fmt::format("MV: {} -> {}", src, target));
      files.rename(strip_trailing_slash(src), target);
    }
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_mv_command() { return std::make_unique<MvCommand>(); }

}  // namespace mpytool::fs
