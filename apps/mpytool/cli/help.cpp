// SPDX-License-Identifier: MIT
#include "help.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "cli/global_options.hpp"
#include "cli/option_parser.hpp"
#include "mpytool/base/version.hpp"

namespace mpytool::cli {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string option_names(char short_name, const std::string& long_name,
                         const std::string& value_name) {
  std::string s = short_name ? fmt::format("-{}, --{}", short_name, long_name)
                             : fmt::format("    --{}", long_name);
  if (!value_name.empty()) s += " " + value_name;
  return s;
}

void print_rows(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& rows) {
  std::size_t width = 0;
  for (const auto& [left, right] : rows) width = std::max(width, left.size());
  width = std::min<std::size_t>(width, 28);
  for (const auto& [left, right] : rows) {
    if (left.size() > width) {
      out << "  " << left << "\n  " << std::string(width + 2, ' ') << right << "\n";
    } else {
      out << "  " << left << std::string(width - left.size() + 2, ' ') << right << "\n";
    }
  }
}

std::string value_name_of(const OptionSpec& o) {
  if (o.kind == OptionSpec::Kind::kFlag) return {};
  if (!o.value_name.empty()) return o.value_name;
  std::string v = o.long_name;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) {
    return c == '-' ? '_' : static_cast<char>(std::toupper(c));
  });
  return v;
}

std::string positional_word(const PositionalSpec& p) {
  switch (p.arity) {
    case PositionalSpec::Arity::kOne:
      return p.name;
    case PositionalSpec::Arity::kOptional:
      return "[" + p.name + "]";
    case PositionalSpec::Arity::kZeroOrMore:
      return "[" + p.name + "...]";
    case PositionalSpec::Arity::kOneOrMore:
      return p.name + "...";
  }
  return p.name;
}

/// The completion argtype of a positional: ":path" -> "remote", "local_file" -> itself.
std::string arg_type(const PositionalSpec& p) {
  if (!p.name.empty() && p.name.front() == ':') return "remote";
  std::string s;
  for (char c : lower(p.name)) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

const char* nargs(PositionalSpec::Arity a) {
  switch (a) {
    case PositionalSpec::Arity::kOne:
      return "1";
    case PositionalSpec::Arity::kOptional:
      return "?";
    case PositionalSpec::Arity::kZeroOrMore:
      return "*";
    case PositionalSpec::Arity::kOneOrMore:
      return "+";
  }
  return "1";
}

/// The rows of the command listing: each command word once. A word routed by capability to
/// several plugins (flash: flash-esp32 or flash-rp2) gets one row whose summary joins theirs.
std::vector<std::pair<std::string, std::string>> command_rows(const CommandTable& table) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto* e : table.listing()) {
    if (std::any_of(rows.begin(), rows.end(), [&](const auto& r) { return r.first == e->display; }))
      continue;
    std::vector<std::string> summaries;
    if (!e->plugin.empty() && e->display == e->info.name && table.routed(e->info.name)) {
      for (const auto* o : table.offering(e->info.name)) {
        std::string s = o->info.summary;
        if (!s.empty() && s.back() == '.') s.pop_back();
        if (std::find(summaries.begin(), summaries.end(), s) == summaries.end()) {
          summaries.push_back(s);
        }
      }
    }
    rows.emplace_back(e->display, summaries.size() > 1
                                      ? fmt::format("{}.", fmt::join(summaries, "; "))
                                      : e->info.summary);
  }
  return rows;
}

}  // namespace

std::string synopsis(const CommandInfo& info) {
  std::vector<std::string> parts;
  for (const auto& o : info.options) {
    std::string name = o.short_name ? fmt::format("-{}", o.short_name) : "--" + o.long_name;
    std::string v = value_name_of(o);
    parts.push_back("[" + name + (v.empty() ? "" : " " + v) + "]");
  }
  for (const auto& p : info.positionals) parts.push_back(positional_word(p));
  return fmt::format("{}", fmt::join(parts, " "));
}

void print_main_help(std::ostream& out, const CommandTable& table) {
  out << "usage: mpytool [options] <command> [args] [-- <command> [args]]...\n"
         "       mpytool [options] <plugin> <command> [args]\n\n"
         "Manage MicroPython boards over serial or TCP (mpytool "
      << version_string() << ").\n\noptions:\n";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& d : global_option_docs()) {
    rows.emplace_back(option_names(d.short_name, d.long_name, d.value_name), d.help);
  }
  // The global options plugins declared, after the core's (the same -f of several plugins once).
  for (const auto& d : plugin_option_docs(plugin_global_options(table.plugins(), {}))) {
    rows.emplace_back(option_names(d.short_name, d.long_name, d.value_name), d.help);
  }
  print_rows(out, rows);

  out << "\ncommands:\n";
  print_rows(out, command_rows(table));

  bool any_plugin = false;
  rows.clear();
  for (const auto& r : table.plugins().records()) {
    if (r.status == PluginStatus::kDuplicate) continue;
    any_plugin = true;
    std::string right =
        r.status == PluginStatus::kLoaded
            ? (r.summary.empty() ? fmt::format("{}", fmt::join(r.commands, " ")) : r.summary)
            : "(not loaded: " + r.reason + ")";
    rows.emplace_back(r.name, right);
  }
  if (any_plugin) {
    out << "\nplugins (mpytool <plugin> <command> also works):\n";
    print_rows(out, rows);
  }
  out << "\nCommands are chained with '--' or '+' and share one connection:\n"
         "  mpytool exec \"import machine\" -- info\n"
         "  mpytool reset + sleep 1 + info\n"
         "Run 'mpytool help <command>' or 'mpytool <command> --help' for a command's options.\n";
}

void print_command_help(std::ostream& out, const CommandEntry& entry) {
  const CommandInfo& info = entry.info;
  std::string syn = synopsis(info);
  std::string tail = syn.empty() ? "" : " " + syn;
  out << "usage: mpytool " << entry.display << tail << "\n";
  if (!entry.plugin.empty() && entry.display == info.name) {
    out << "       mpytool " << entry.plugin << " " << info.name << tail << "\n";
  }
  if (!info.summary.empty()) out << "\n" << info.summary << "\n";
  if (!info.description.empty()) out << "\n" << info.description << "\n";

  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& o : info.options) {
    std::string help = o.help;
    if (o.default_value) help += fmt::format(" (default: {})", *o.default_value);
    rows.emplace_back(option_names(o.short_name, o.long_name, value_name_of(o)), help);
  }
  rows.emplace_back(help_short_available(info) ? "-h, --help" : "    --help",
                    "show this help and exit");
  out << "\noptions:\n";
  print_rows(out, rows);
  if (!info.positionals.empty()) {
    rows.clear();
    for (const auto& p : info.positionals) rows.emplace_back(p.name, p.help);
    out << "\narguments:\n";
    print_rows(out, rows);
  }
  if (info.chains_leftovers) {
    out << "\nFurther words are run as commands in the same group (mpytool " << entry.display
        << " info).\n";
  }
}

void print_command_help(std::ostream& out, const CommandEntry& entry, const CommandTable& table) {
  print_command_help(out, entry);
  // A command named like its plugin (mount): `mount --help` is also where one looks for the
  // plugin's other commands.
  if (entry.plugin.empty() || entry.plugin != entry.info.name) return;
  std::vector<std::string> others;
  for (const auto* e : table.commands_of(entry.plugin)) {
    if (e != &entry && !e->hidden()) others.push_back(e->info.name);
  }
  if (others.empty()) return;
  out << "\nThe plugin '" << entry.plugin
      << "' also has: " << fmt::format("{}", fmt::join(others, ", ")) << " (mpytool "
      << entry.plugin << " <command> --help).\n";
}

void print_routed_help(std::ostream& out, const std::string& word,
                       const std::vector<const CommandEntry*>& candidates) {
  out << "'" << word << "' runs the command of the first plugin whose device "
      << "capabilities the board has:\n";
  for (const CommandEntry* e : candidates) {
    out << "  mpytool " << e->plugin << " " << e->info.name << "  (needs "
        << fmt::format("{}", fmt::join(e->info.requires_caps, " + ")) << ")\n";
  }
  for (const CommandEntry* e : candidates) {
    out << "\n";
    print_command_help(out, *e);
  }
}

void print_plugin_help(std::ostream& out, const CommandTable& table, const std::string& plugin) {
  const PluginRecord* r = table.plugins().find_loaded(plugin);
  out << "usage: mpytool " << plugin << " <command> [args]\n";
  if (r && !r->summary.empty()) out << "\n" << r->summary << "\n";
  out << "\ncommands:\n";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto* e : table.commands_of(plugin)) {
    if (!e->hidden()) rows.emplace_back(e->info.name, e->info.summary);
  }
  print_rows(out, rows);
}

void print_version(std::ostream& out, const CommandTable& table) {
  out << "mpytool " << version_string() << " (revision " << revision_string() << ", plugin ABI "
      << kPluginAbiVersion << ")\n";
  std::vector<std::string> loaded;
  for (const auto& r : table.plugins().records()) {
    if (r.status == PluginStatus::kLoaded) loaded.push_back(r.name + " " + r.version);
  }
  out << "plugins: " << (loaded.empty() ? "none" : fmt::format("{}", fmt::join(loaded, ", ")))
      << "\n";
}

void print_completion_commands(std::ostream& out, const CommandTable& table) {
  for (const auto& [word, summary] : command_rows(table)) out << word << ":" << summary << "\n";
}

void print_completion_options(std::ostream& out, const CommandEntry* entry,
                              const CommandTable* table) {
  if (!entry) {
    std::vector<GlobalOptionDoc> docs = global_option_docs();
    if (table) {
      for (auto& d : plugin_option_docs(plugin_global_options(table->plugins(), {}))) {
        docs.push_back(std::move(d));
      }
    }
    for (const auto& d : docs) {
      if (d.long_name == "help" || d.long_name == "version") continue;
      std::string type = d.value_name.empty() ? "" : lower(d.value_name);
      out << "--" << d.long_name << ":" << d.help << ":" << type << ":"
          << (d.short_name ? std::string("-") + d.short_name : std::string()) << "\n";
    }
    return;
  }
  for (const auto& o : entry->info.options) {
    if (o.long_name == "help") continue;
    out << "--" << o.long_name << ":" << o.help << ":" << lower(value_name_of(o)) << ":"
        << (o.short_name ? std::string("-") + o.short_name : std::string()) << "\n";
  }
}

void print_completion_args(std::ostream& out, const CommandEntry& entry) {
  for (const auto& p : entry.info.positionals) {
    out << arg_type(p) << ":" << nargs(p.arity) << ":" << p.help << "\n";
  }
}

}  // namespace mpytool::cli
