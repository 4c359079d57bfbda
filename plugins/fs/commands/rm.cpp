// SPDX-License-Identifier: MIT
// `rm :path...`: deletes files and directory trees; `:dir/`, `:` and `:/` delete only what is
// inside (docs/compatibility.md, "Commands").
#include "command_support.hpp"
#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"

namespace mpytool::fs {
namespace {

class RmCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "rm";
    i.rank = help_rank::kRm;
    i.summary = "Delete files/dirs. Use :path/ for contents only.";
    i.positionals.push_back(
        {":path", "device paths (trailing / = contents only)", PositionalSpec::Arity::kOneOrMore});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    std::vector<std::string> paths;
    for (const auto& arg : args.positionals()) paths.push_back(require_remote("rm", arg));
    files::Files files(ctx.mpy());
    std::vector<RefusedName> refused;
    for (const auto& path : paths) {
      if (!remote_dir_dest(path)) {
        ctx.out().verbose(1, "RM: " + path);
        files.remove(path);
        continue;
      }
      ctx.out().verbose(1, "RM contents: " + (path.empty() ? std::string("CWD") : path));
      const std::string dir = strip_trailing_slash(path);
      for (const files::Entry& e : files.ls(dir)) {
        // A name that is not a plain file name would lead outside the directory ("..").
        if (!safe_board_name(e.name)) {
          refused.push_back({dir, e.name});
          logger().warn("{}", refused_message(refused.back()));
          continue;
        }
        ctx.out().verbose(1, "  " + printable(e.name));
        files.remove(join_remote(dir, e.name));
      }
    }
    if (!refused.empty()) {
      throw DeviceError(fmt::format("{} and not deleted", refused_count(refused.size())));
    }
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_rm_command() { return std::make_unique<RmCommand>(); }

}  // namespace mpytool::fs
