// SPDX-License-Identifier: MIT
#include "man_page.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "cli/global_options.hpp"
#include "cli/help.hpp"
#include "mpytool/base/version.hpp"

namespace mpytool::cli {

namespace {

/// Text safe in roff: backslashes doubled, '-' as \-, a leading '.' or '\'' escaped.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

std::string option_words(char short_name, const std::string& long_name, const std::string& value) {
  std::string s;
  if (short_name) s += fmt::format("\\fB\\-{}\\fR, ", short_name);
  s += "\\fB\\-\\-" + roff(long_name) + "\\fR";
  if (!value.empty()) s += " \\fI" + roff(value) + "\\fR";
  return s;
}

void option_item(std::ostream& out, char short_name, const std::string& long_name,
                 const std::string& value, const std::string& help) {
  out << ".TP\n" << option_words(short_name, long_name, value) << "\n" << roff(help) << "\n";
}

}  // namespace

void print_man_page(std::ostream& out, const CommandTable& table) {
  out << ".TH MPYTOOL 1 \"\" \"mpytool " << version_string() << "\" \"User Commands\"\n"
      << ".SH NAME\nmpytool \\- manage MicroPython boards over serial or TCP\n"
      << ".SH SYNOPSIS\n.B mpytool\n[\\fIoptions\\fR] \\fIcommand\\fR [\\fIargs\\fR] "
         "[\\fB\\-\\-\\fR \\fIcommand\\fR [\\fIargs\\fR]]...\n.br\n.B mpytool\n[\\fIoptions\\fR] "
         "\\fIplugin\\fR \\fIcommand\\fR [\\fIargs\\fR]\n"
      << ".SH DESCRIPTION\n"
      << roff(
             "mpytool talks to a board running MicroPython over a serial port or TCP (and TLS). "
             "Its commands come from plugins loaded at run time; commands chained with -- or + "
             "share one connection. Global options come before the first command word.")
      << "\n.SH OPTIONS\n";
  for (const auto& d : global_option_docs()) {
    option_item(out, d.short_name, d.long_name, d.value_name, d.help);
  }
  for (const auto& d : plugin_option_docs(plugin_global_options(table.plugins(), {}))) {
    option_item(out, d.short_name, d.long_name, d.value_name, d.help);
  }
  out << ".SH COMMANDS\n";
  for (const CommandEntry* e : table.listing()) {
    const CommandInfo& info = e->info;
    const std::string syn = synopsis(info);
    out << ".SS \"" << roff(e->display) << (syn.empty() ? "" : " " + roff(syn)) << "\"\n"
        << roff(info.summary) << "\n";
    if (!e->plugin.empty()) out << "(plugin \\fB" << roff(e->plugin) << "\\fR)\n";
    if (!info.description.empty()) out << ".PP\n" << roff(info.description) << "\n";
    for (const auto& o : info.options) {
      std::string help = o.help;
      if (o.default_value) help += fmt::format(" (default: {})", *o.default_value);
      option_item(out, o.short_name, o.long_name,
                  o.kind == OptionSpec::Kind::kFlag ? "" : o.value_name, help);
    }
    for (const auto& p : info.positionals) {
      out << ".TP\n\\fI" << roff(p.name) << "\\fR\n" << roff(p.help) << "\n";
    }
  }
  out << ".SH EXIT STATUS\n";
  const std::pair<int, const char*> codes[] = {
      {0, "success"},
      {1, "generic error"},
      {2, "usage error: unknown command or option, bad argument"},
      {3, "connection error"},
      {4, "the board raised an exception or refused a file operation"},
      {5, "the board did not answer in time"},
      {6, "plugin error, or the board lacks a capability the command needs"},
      {7, "firmware update rolled back"},
      {8, "fleet: some boards failed"},
      {130, "interrupted (Ctrl-C)"}};
  for (const auto& [code, text] : codes) out << ".TP\n.B " << code << "\n" << roff(text) << "\n";
  out << ".SH ENVIRONMENT\n";
  const std::pair<const char*, const char*> env[] = {
      {"MPYTOOL_PLUGIN_PATH", "more plugin directories (':'-separated)"},
      {"MPYTOOL_PROFILE_PATH", "more board profile directories"},
      {"MPYTOOL_INVENTORY",
       "the board inventory file (default: mpytool.yaml upwards, then "
       "~/.config/mpytool/inventory.yaml)"},
      {"MPYTOOL_PORTS", "extra serial ports that are not USB devices"},
      {"MPYTOOL_PASSWORD", "the WebREPL password (-a ws://...) when --password is not given"},
      {"MPYTOOL_EVENTS", "append NDJSON step and progress events to this file"},
      {"MPYTOOL_EXEC_PATH", "where external mpytool-<word> commands are found"},
      {"NO_COLOR", "no colours"}};
  for (const auto& [name, text] : env) out << ".TP\n.B " << name << "\n" << roff(text) << "\n";
  out << ".SH FILES\n.TP\n.I ~/.config/mpytool/profiles\nboard profiles (also "
         "\\fI./.mpytool/profiles\\fR)\n.TP\n.I mpytool.yaml\nthe project's board inventory\n"
      << ".SH SEE ALSO\n.BR mpytool\\ help\\ \\fIcommand\\fR\n";
}

}  // namespace mpytool::cli
