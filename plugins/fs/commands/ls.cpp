// SPDX-License-Identifier: MIT
// `ls [--json] [:path]`: directories first, then files, in the board's order
// (docs/compatibility.md, "Commands").
#include <fmt/format.h>

#include "command_support.hpp"
#include "commands.hpp"

namespace mpytool::fs {
namespace {

class LsCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "ls";
    i.rank = help_rank::kLs;
    i.summary = "List files and directories on device.";
    i.description =
        "--json prints [{\"name\": ..., \"type\": \"dir\"|\"file\", \"size\": bytes|null}].";
    i.options.push_back(json_option());
    i.positionals.push_back(
        {":path", "device path (default: CWD)", PositionalSpec::Arity::kOptional});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const std::string path = optional_remote_arg("ls", args);
    verbose_path(ctx, "LS", path);
    files::Files files(ctx.mpy());
    const std::vector<files::Entry> entries = files.ls(path);
    std::string text;
    if (args.flag("json")) {
      text = "[";
      for (const files::Entry& e : entries) {
        if (text.size() > 1) text += ", ";
        text += fmt::format(R"({{"name": {}, "type": "{}", "size": {}}})", json_string(e.name),
                            e.is_dir() ? "dir" : "file", e.size ? std::to_string(*e.size) : "null");
      }
      text += "]\n";
    } else {
      const bool quiet = ctx.out().verbosity() < 1;
      for (const files::Entry& e : entries) {
        // Names come from the board: control characters are shown escaped.
        const std::string name = printable(e.name);
        if (quiet) {
          text += e.is_dir() ? name + "/\n" : name + "\n";
        } else if (e.is_dir()) {
          text += fmt::format("{:9} {}/\n", "", name);
        } else {
          text += fmt::format("{:>9} {}\n", format_size(static_cast<double>(*e.size)), name);
        }
      }
    }
    ctx.out().data(text);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_ls_command() { return std::make_unique<LsCommand>(); }

}  // namespace mpytool::fs
