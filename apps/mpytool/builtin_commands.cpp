// SPDX-License-Identifier: MIT
#include "builtin_commands.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "help.hpp"
#include "mpytool/board_profile.hpp"
#include "mpytool/context.hpp"
#include "mpytool/error.hpp"
#include "mpytool/output.hpp"
#include "mpytool/version.hpp"
#include "suggest.hpp"

namespace mpytool::cli {

namespace {

/// Base for built-ins: no board, one table.
class Builtin : public Command {
 public:
  explicit Builtin(const CommandTable& table) : table_(table) {}

 protected:
  static CommandInfo make(std::string name, std::string summary) {
    CommandInfo i;
    i.name = std::move(name);
    i.summary = std::move(summary);
    i.needs = Needs::kNothing;
    return i;
  }
  /// The command named by \p words ("exec" or "device exec"), or nullptr.
  const CommandEntry* lookup(const std::vector<std::string>& words) const {
    if (words.empty()) return nullptr;
    auto m = table_.resolve(words, 0);
    return m.words == words.size() ? m.entry : nullptr;
  }
  const CommandTable& table_;
};

class HelpCommand : public Builtin {
 public:
  using Builtin::Builtin;
  CommandInfo info() const override {
    auto i = make("help", "Show help for mpytool or for one command.");
    i.positionals.push_back({"COMMAND", "a command, or a plugin and one of its commands",
                             PositionalSpec::Arity::kZeroOrMore});
    return i;
  }
  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const auto& words = args.positionals();
    std::ostream& out = ctx.out().out();
    if (words.empty()) {
      print_main_help(out, table_);
      return 0;
    }
    if (words.size() == 1 && table_.is_plugin(words[0]) && table_.offering(words[0]).empty()) {
      print_plugin_help(out, table_, words[0]);
      return 0;
    }
    if (auto m = table_.resolve(words, 0); m.entry && m.words == words.size()) {
      if (m.candidates.empty()) {
        print_command_help(out, *m.entry);
      } else {  // a routed word: every plugin's form, and how the board picks one
        out << "'" << words[0] << "' runs the command of the first plugin whose device "
            << "capabilities the board has:\n";
        for (const CommandEntry* e : m.candidates) {
          out << "  mpytool " << e->plugin << " " << e->info.name << "  (needs "
              << fmt::format("{}", fmt::join(e->info.requires_caps, " + ")) << ")\n";
        }
        for (const CommandEntry* e : m.candidates) {
          out << "\n";
          print_command_help(out, *e);
        }
      }
      return 0;
    }
    throw UsageError(fmt::format("unknown command '{}'", fmt::join(words, " ")),
                     did_you_mean(words.back(), table_.words()));
  }
};

class PluginsCommand : public Builtin {
 public:
  using Builtin::Builtin;
  CommandInfo info() const override {
    return make("plugins", "List plugins: version, path, commands, capabilities, status.");
  }
  int run(CommandContext& ctx, const ParsedArgs&) override {
    std::ostream& out = ctx.out().out();
    for (const auto& r : table_.plugins().records()) {
      std::string status = to_string(r.status);
      if (!r.reason.empty()) status += ": " + r.reason;
      out << r.name << " " << (r.version.empty() ? "-" : r.version) << "\n";
      out << "  path:     " << r.path.string() << "\n";
      out << "  status:   " << status << "\n";
      if (!r.commands.empty())
        out << "  commands: " << fmt::format("{}", fmt::join(r.commands, " ")) << "\n";
      if (!r.provides.empty())
        out << "  provides: " << fmt::format("{}", fmt::join(r.provides, " ")) << "\n";
      for (const CommandEntry* e : table_.commands_of(r.name)) {
        if (e->info.requires_caps.empty()) continue;
        out << "  needs:    " << e->info.name << ": "
            << fmt::format("{}", fmt::join(e->info.requires_caps, " ")) << "\n";
      }
      if (r.status == PluginStatus::kLoaded) {
        for (const auto& c : r.commands) {
          if (table_.builtin(c)) out << "  warning:  '" << c << "' is shadowed by a built-in\n";
        }
      }
    }
    return 0;
  }
};

class ProfilesCommand : public Builtin {
 public:
  using Builtin::Builtin;
  CommandInfo info() const override {
    return make("profiles", "List board profiles in search order: id, description, file.");
  }
  int run(CommandContext& ctx, const ParsedArgs&) override {
    auto profiles = find_profiles(profile_search_path(ctx.globals().profile_dirs));
    std::size_t id_width = 2, desc_width = 11;
    for (const auto& p : profiles) {
      id_width = std::max(id_width, p.id.size());
      desc_width = std::max(desc_width, p.description.size());
    }
    std::ostream& out = ctx.out().out();
    for (const auto& p : profiles) {
      out << fmt::format("{:<{}}  {:<{}}  {}\n", p.id, id_width,
                         p.description.empty() ? "-" : p.description, desc_width, p.path.string());
    }
    return 0;
  }
};

class VersionCommand : public Builtin {
 public:
  using Builtin::Builtin;
  CommandInfo info() const override { return make("version", "Show the mpytool version."); }
  int run(CommandContext& ctx, const ParsedArgs&) override {
    ctx.out().out() << "mpytool " << version_string() << "\n";
    return 0;
  }
};

class CompletionCommands : public Builtin {
 public:
  using Builtin::Builtin;
  CommandInfo info() const override { return make("_commands", "List commands (completion)."); }
  int run(CommandContext& ctx, const ParsedArgs&) override {
    print_completion_commands(ctx.out().out(), table_);
    return 0;
  }
};

class CompletionOptions : public Builtin {
 public:
  using Builtin::Builtin;
  CommandInfo info() const override {
    auto i = make("_options", "List options of mpytool or a command (completion).");
    i.positionals.push_back({"CMD", "command", PositionalSpec::Arity::kZeroOrMore});
    return i;
  }
  int run(CommandContext& ctx, const ParsedArgs& args) override {
    if (args.positionals().empty()) {
      print_completion_options(ctx.out().out(), nullptr);
      return 0;
    }
    try {
      if (const CommandEntry* e = lookup(args.positionals())) {
        print_completion_options(ctx.out().out(), e);
      }
    } catch (const MpyError&) {
      // an unknown or broken command prints nothing
    }
    return 0;
  }
};

class CompletionArgs : public Builtin {
 public:
  using Builtin::Builtin;
  CommandInfo info() const override {
    auto i = make("_args", "List positional arguments of a command (completion).");
    i.positionals.push_back({"CMD", "command", PositionalSpec::Arity::kOneOrMore});
    return i;
  }
  int run(CommandContext& ctx, const ParsedArgs& args) override {
    try {
      if (const CommandEntry* e = lookup(args.positionals())) {
        print_completion_args(ctx.out().out(), *e);
      }
    } catch (const MpyError&) {
    }
    return 0;
  }
};

}  // namespace

void add_builtin_commands(CommandTable& table) {
  table.add_builtin(std::make_unique<HelpCommand>(table));
  table.add_builtin(std::make_unique<PluginsCommand>(table));
  table.add_builtin(std::make_unique<ProfilesCommand>(table));
  table.add_builtin(std::make_unique<VersionCommand>(table));
  table.add_builtin(std::make_unique<CompletionCommands>(table));
  table.add_builtin(std::make_unique<CompletionOptions>(table));
  table.add_builtin(std::make_unique<CompletionArgs>(table));
}

}  // namespace mpytool::cli
