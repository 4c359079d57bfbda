// SPDX-License-Identifier: MIT
// `tree [--json] [:path]`: the recursive listing with sizes (docs/compatibility.md, "Commands").
#include <fmt/format.h>

#include "command_support.hpp"
#include "commands.hpp"

namespace mpytool::fs {
namespace {

/// One line: the size right-aligned to 9 (omitted with -q), then the drawing and the name.
void add_line(std::string& out, bool quiet, std::int64_t size, std::string_view text) {
  if (quiet) {
    out += fmt::format("{}\n", text);
  } else {
    out += fmt::format("{:>9} {}\n", format_size(static_cast<double>(size)), text);
  }
}

void add_children(std::string& out, bool quiet, const files::TreeNode& node,
                  const std::string& prefix) {
  const auto& children = *node.children;
  for (std::size_t i = 0; i < children.size(); ++i) {
    const files::TreeNode& c = children[i];
    const bool last = i + 1 == children.size();
    add_line(out, quiet, c.size,
             prefix + (last ? "└─ " : "├─ ") + printable(c.name) + (c.is_dir() ? "/" : ""));
    if (c.is_dir()) add_children(out, quiet, c, prefix + (last ? "   " : "│  "));
  }
}

std::string to_json(const files::TreeNode& node) {
  std::string s = fmt::format(R"({{"name": {}, "type": "{}", "size": {})", json_string(node.name),
                              node.is_dir() ? "dir" : "file", node.size);
  if (node.is_dir()) {
    s += ", \"children\": [";
    for (std::size_t i = 0; i < node.children->size(); ++i) {
      if (i) s += ", ";
      s += to_json((*node.children)[i]);
    }
    s += "]";
  }
  return s + "}";
}

class TreeCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "tree";
    i.rank = help_rank::kTree;
    i.summary = "Show directory tree on device.";
    i.description =
        "--json prints {\"name\", \"type\": \"dir\"|\"file\", \"size\", \"children\": [...]} "
        "(a directory's size is the sum of its files; the root's name is the path as given, "
        "\"\" for the CWD).";
    i.options.push_back(json_option());
    i.positionals.push_back(
        {":path", "device path (default: CWD)", PositionalSpec::Arity::kOptional});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const std::string path = optional_remote_arg("tree", args);
    verbose_path(ctx, "TREE", path);
    files::Files files(ctx.mpy());
    const files::TreeNode root = files.tree(path);
    std::string text;
    if (args.flag("json")) {
      text = to_json(root) + "\n";
    } else {
      const bool quiet = ctx.out().verbosity() < 1;
      std::string name;
      if (root.name.empty() || root.name == ".") {
        name = "./";
      } else if (root.name == "/") {
        name = "/";
      } else {
        name = printable(root.name) + (root.is_dir() ? "/" : "");
      }
      add_line(text, quiet, root.size, name);
      if (root.is_dir()) add_children(text, quiet, root, "");
    }
    ctx.out().data(text);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_tree_command() { return std::make_unique<TreeCommand>(); }

}  // namespace mpytool::fs
