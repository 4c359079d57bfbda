// SPDX-License-Identifier: MIT
/// \file
/// Help text rendered uniformly from CommandInfo and the global option table, and the exact
/// line formats of the hidden completion commands (docs/compatibility.md, "Commands"): `_commands`
/// (`name:description`), `_options` (`opt:help:argtype`), `_args` (`argtype:nargs:help`).
#pragma once

#include <ostream>
#include <string>

#include "dispatch/command_table.hpp"

namespace mpytool::cli {

/// `mpytool --help`: usage, global options, every command of every loaded plugin, chaining.
void print_main_help(std::ostream& out, const CommandTable& table);

/// `--version` / `version`: version, git revision, plugin ABI, and the loaded plugins' versions.
void print_version(std::ostream& out, const CommandTable& table);

/// `mpytool help <cmd>` / `<cmd> --help`: usage line, summary, options, positionals.
void print_command_help(std::ostream& out, const CommandEntry& entry);
/// The same, and for a command named like its plugin (`mount`) the plugin's other commands.
void print_command_help(std::ostream& out, const CommandEntry& entry, const CommandTable& table);

/// `mpytool help flash` / `flash --help` for a word routed by capability to several plugins:
/// which plugin the board picks, then each plugin's command help.
void print_routed_help(std::ostream& out, const std::string& word,
                       const std::vector<const CommandEntry*>& candidates);

/// `mpytool help <plugin>` / `mpytool <plugin> --help`: the plugin's summary and its commands.
void print_plugin_help(std::ostream& out, const CommandTable& table, const std::string& plugin);

/// One-line synopsis of a command's arguments: "[-t SEC] CODE".
std::string synopsis(const CommandInfo& info);

/// `_commands`: `name:description` per line.
void print_completion_commands(std::ostream& out, const CommandTable& table);
/// `_options`: the global options (\p entry null) or one command's, `--long:help:argtype:-s`
/// (argtype empty for a flag, -s empty without a short name).
void print_completion_options(std::ostream& out, const CommandEntry* entry,
                              const CommandTable* table = nullptr);
/// `_args`: a command's positionals, `argtype:nargs:help`.
void print_completion_args(std::ostream& out, const CommandEntry& entry);

}  // namespace mpytool::cli
