// SPDX-License-Identifier: MIT
#include "builtin_commands.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cli/help.hpp"
#include "cli/man_page.hpp"
#include "cli/suggest.hpp"
#include "fleet/fleet.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/base/version.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/profile/board_profile.hpp"

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
        print_command_help(out, *m.entry, table_);
      } else {  // a routed word: every plugin's form, and how the board picks one
        print_routed_help(out, words[0], m.candidates);
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
    auto i = make("plugins", "List plugins: version, path, commands, capabilities, status.");
    i.options.push_back({"json", 0, OptionSpec::Kind::kFlag, "", "print a JSON list", {}});
    return i;
  }
  int run(CommandContext& ctx, const ParsedArgs& args) override {
    std::ostream& out = ctx.out().out();
    if (args.flag("json")) {
      std::vector<std::string> rows;
      for (const auto& r : table_.plugins().records()) {
        std::vector<std::string> cmds, caps, opts;
        for (const auto& c : r.commands) cmds.push_back(json_quote(c));
        for (const auto& c : r.provides) caps.push_back(json_quote(c));
        for (const auto& o : r.global_options) opts.push_back(json_quote("--" + o.long_name));
        rows.push_back(fmt::format(
            R"({{"name":{},"version":{},"path":{},"status":{},"reason":{},"commands":[{}],)"
            R"("provides":[{}],"global_options":[{}]}})",
            json_quote(r.name), json_quote(r.version), json_quote(r.path.string()),
            json_quote(to_string(r.status)), json_quote(r.reason), fmt::join(cmds, ","),
            fmt::join(caps, ","), fmt::join(opts, ",")));
      }
      out << "[" << fmt::format("{}", fmt::join(rows, ",")) << "]\n";
      return 0;
    }
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

// The effective profile (after `extends`) as YAML, every key the tool reads.
std::string profile_text(const BoardProfile& p) {
  std::string out = fmt::format("id: {}\ndescription: {}\nfile: {}\n", p.id,
                                p.description.empty() ? "''" : p.description, p.path.string());
  if (!p.extends.empty()) out += "extends: " + p.extends + "\n";
  std::string match;
  if (!p.match_platform.empty()) match += "  platform: " + p.match_platform + "\n";
  if (p.match_machine_contains) match += "  machine_contains: " + *p.match_machine_contains + "\n";
  if (p.match_machine) match += "  machine: \"" + *p.match_machine + "\"\n";
  if (!p.match_usb.empty()) match += fmt::format("  usb: [{}]\n", fmt::join(p.match_usb, ", "));
  if (!p.match_usb_serial.empty()) {
    match += fmt::format("  usb_serial: [{}]\n", fmt::join(p.match_usb_serial, ", "));
  }
  if (p.match_usb_product) match += "  usb_product: \"" + *p.match_usb_product + "\"\n";
  if (!match.empty()) out += "match:\n" + match;
  if (!p.capabilities.empty()) {
    out += fmt::format("capabilities: [{}]\n", fmt::join(p.capabilities, ", "));
  }
  std::string repl;
  if (p.raw_paste != RawPasteMode::kAuto) {
    repl += fmt::format("  raw_paste: {}\n", p.raw_paste == RawPasteMode::kYes ? "yes" : "no");
  }
  if (p.entry_delay) repl += fmt::format("  entry_delay: {}\n", *p.entry_delay);
  if (!repl.empty()) out += "repl:\n" + repl;
  std::string transfer;
  if (p.chunk_size) transfer += fmt::format("  chunk_size: {}\n", *p.chunk_size);
  if (p.stdin_buffer) transfer += fmt::format("  stdin_buffer: {}\n", *p.stdin_buffer);
  if (p.window) transfer += fmt::format("  window: {}\n", *p.window);
  if (p.transfer_path) transfer += "  path: " + *p.transfer_path + "\n";
  if (p.compress) transfer += std::string("  compress: ") + (*p.compress ? "yes" : "no") + "\n";
  if (!transfer.empty()) out += "transfer:\n" + transfer;
  if (!p.fs_type.empty() || !p.fs_mount.empty()) {
    out += "fs:\n";
    if (!p.fs_type.empty()) out += "  type: " + p.fs_type + "\n";
    if (!p.fs_mount.empty()) out += "  mount: " + p.fs_mount + "\n";
  }
  std::string reset;
  if (p.hard_reset_sequence) {
    reset += "  hard: \"" + format_reset_sequence(*p.hard_reset_sequence) + "\"\n";
  } else if (p.hard_reset) {
    reset += std::string("  hard: ") + (*p.hard_reset == HardReset::kRts ? "rts" : "none") + "\n";
  }
  if (p.bootloader_sequences.size() == 1) {
    reset += "  bootloader: \"" + format_reset_sequence(p.bootloader_sequences[0]) + "\"\n";
  } else if (!p.bootloader_sequences.empty()) {
    reset += "  bootloader:\n";
    for (const auto& seq : p.bootloader_sequences) {
      reset += "    - \"" + format_reset_sequence(seq) + "\"\n";
    }
  } else if (p.bootloader_reset) {
    const char* w = *p.bootloader_reset == BootloaderReset::kDtrRts    ? "dtr-rts"
                    : *p.bootloader_reset == BootloaderReset::kMachine ? "machine"
                                                                       : "none";
    reset += std::string("  bootloader: ") + w + "\n";
  }
  if (!reset.empty()) out += "reset:\n" + reset;
  if (!p.flash_table.empty()) {
    out += "flash:\n  layout:\n";
    for (const auto& e : p.flash_table) {
      out += fmt::format("    - {{label: {}, type: {}, subtype: {}, offset: {:#x}, size: {:#x}}}\n",
                         e.label, e.type, e.subtype, e.offset, e.size);
    }
  } else if (p.flash_layout) {
    out += fmt::format("flash:\n  layout: {}\n",
                       *p.flash_layout == FlashLayout::kPartitions  ? "partitions"
                       : *p.flash_layout == FlashLayout::kUserFlash ? "user-flash"
                                                                    : "none");
  }
  // The plugins' sections, by dotted key ("firmware.baud").
  std::string section;
  for (const auto& [key, value] : p.settings) {
    const std::string name = key.substr(0, key.find('.'));
    if (name != section) out += name + ":\n";
    section = name;
    out += fmt::format("  {}: {}\n", key.substr(name.size() + 1), value);
  }
  return out;
}

class ProfilesCommand : public Builtin {
 public:
  using Builtin::Builtin;
  CommandInfo info() const override {
    CommandInfo i = make("profiles",
                         "List board profiles in search order: id, description, file. "
                         "'profiles show ID': the effective profile; 'profiles check FILE': "
                         "validate one.");
    i.positionals.push_back({"ACTION", "show ID | check FILE", PositionalSpec::Arity::kZeroOrMore});
    i.options.push_back({"json", 0, OptionSpec::Kind::kFlag, "", "print a JSON list", {}});
    return i;
  }

  /// "platform=esp32 usb=303a:1001", "platform=rp2 machine~'with RP2040' usb=2e8a:0005",
  /// "(by id only)".
  static std::string matches(const BoardProfile& p) {
    std::vector<std::string> m;
    if (!p.match_platform.empty()) m.push_back("platform=" + p.match_platform);
    if (p.match_machine_contains) {
      // Quoted when it has a space, so that the column stays one word per condition.
      const std::string& c = *p.match_machine_contains;
      m.push_back("machine~" + (c.find(' ') == std::string::npos ? c : "'" + c + "'"));
    }
    if (p.match_machine) m.push_back("machine=/" + *p.match_machine + "/");
    if (!p.match_usb.empty()) m.push_back(fmt::format("usb={}", fmt::join(p.match_usb, ",")));
    if (!p.match_usb_serial.empty()) {
      m.push_back(fmt::format("serial={}", fmt::join(p.match_usb_serial, ",")));
    }
    if (p.match_usb_product) m.push_back("product~" + *p.match_usb_product);
    if (m.empty()) return p.id == "generic" ? "(fallback)" : "(by id only)";
    return fmt::format("{}", fmt::join(m, " "));
  }
  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const auto dirs = profile_search_path(ctx.globals().profile_dirs);
    const auto& w = args.positionals();
    std::ostream& out = ctx.out().out();
    if (!w.empty()) {
      if (w.size() != 2 || (w[0] != "show" && w[0] != "check")) {
        throw UsageError("profiles: expected 'show ID' or 'check FILE'");
      }
      if (w[0] == "check") {
        const BoardProfile p = load_profile(w[1], dirs);
        out << fmt::format("{}: ok (id '{}'{})\n", w[1], p.id,
                           p.extends.empty() ? "" : ", extends '" + p.extends + "'");
        return 0;
      }
      auto profiles = find_profiles(dirs);
      const BoardProfile* p = find_profile_by_id(profiles, w[1]);
      if (!p) {
        throw UsageError(fmt::format("unknown profile '{}'", w[1]),
                         "run 'mpytool profiles' for the list of profiles");
      }
      out << profile_text(*p);
      return 0;
    }
    auto profiles = find_profiles(dirs);
    if (args.flag("json")) {
      std::vector<std::string> rows;
      auto list = [](const std::vector<std::string>& v) {
        std::vector<std::string> q;
        for (const auto& x : v) q.push_back(json_quote(x));
        return fmt::format("[{}]", fmt::join(q, ","));
      };
      auto opt = [](const std::optional<std::string>& v) {
        return v ? json_quote(*v) : std::string("null");
      };
      for (const auto& p : profiles) {
        rows.push_back(fmt::format(
            R"({{"id":{},"description":{},"file":{},"extends":{},"match":{{"platform":{},)"
            R"("machine_contains":{},"machine":{},"usb":{},"usb_serial":{},"usb_product":{}}},)"
            R"("capabilities":{}}})",
            json_quote(p.id), json_quote(p.description), json_quote(p.path.string()),
            p.extends.empty() ? "null" : json_quote(p.extends),
            p.match_platform.empty() ? "null" : json_quote(p.match_platform),
            opt(p.match_machine_contains), opt(p.match_machine), list(p.match_usb),
            list(p.match_usb_serial), opt(p.match_usb_product), list(p.capabilities)));
      }
      out << "[" << fmt::format("{}", fmt::join(rows, ",")) << "]\n";
      return 0;
    }
    std::size_t id_width = 2, desc_width = 11, file_width = 4;
    for (const auto& p : profiles) {
      id_width = std::max(id_width, p.id.size());
      desc_width = std::max(desc_width, p.description.size());
      file_width = std::max(file_width, p.path.string().size());
    }
    for (const auto& p : profiles) {
      out << fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", p.id, id_width,
                         p.description.empty() ? "-" : p.description, desc_width, p.path.string(),
                         file_width, matches(p));
    }
    return 0;
  }
};

class VersionCommand : public Builtin {
 public:
  using Builtin::Builtin;
  CommandInfo info() const override { return make("version", "Show the mpytool version."); }
  int run(CommandContext& ctx, const ParsedArgs&) override {
    print_version(ctx.out().out(), table_);
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
      print_completion_options(ctx.out().out(), nullptr, &table_);
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

class ManCommand : public Builtin {
 public:
  using Builtin::Builtin;
  CommandInfo info() const override { return make("_man", "Print the manual page (roff)."); }
  int run(CommandContext& ctx, const ParsedArgs&) override {
    print_man_page(ctx.out().out(), table_);
    return 0;
  }
};

void add_builtin_commands(CommandTable& table) {
  table.add_builtin(std::make_unique<HelpCommand>(table));
  table.add_builtin(std::make_unique<PluginsCommand>(table));
  table.add_builtin(std::make_unique<ProfilesCommand>(table));
  table.add_builtin(make_fleet_command());
  table.add_builtin(std::make_unique<VersionCommand>(table));
  table.add_builtin(std::make_unique<CompletionCommands>(table));
  table.add_builtin(std::make_unique<CompletionOptions>(table));
  table.add_builtin(std::make_unique<CompletionArgs>(table));
  table.add_builtin(std::make_unique<ManCommand>(table));
}

}  // namespace mpytool::cli
