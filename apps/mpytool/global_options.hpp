// SPDX-License-Identifier: MIT
/// \file
/// Global options (docs/compatibility.md, "Global options"; plus --plugin-dir, --profile,
/// --profile-dir, --vboard,
/// --vboard-opt). They are accepted only before the first command word; that prefix alone goes
/// to Boost.Program_options, so a command's own `-p` is never mistaken for the global `--port`.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/plugin/command.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/plugin/plugin_loader.hpp"

namespace mpytool::cli {

/// One global option, for parsing, `--help` and `_options`.
struct GlobalOptionDoc {
  std::string long_name;   ///< "port"
  char short_name = 0;     ///< 'p' or 0
  std::string value_name;  ///< "PORT"; empty for flags
  std::string help;        ///< one line
};

/// The global options in help order.
const std::vector<GlobalOptionDoc>& global_option_docs();

/// Result of parsing the global prefix.
struct GlobalParse {
  GlobalOptions options;
  bool help = false;              ///< -h/--help
  bool version = false;           ///< -V/--version
  std::vector<std::string> rest;  ///< the words after the globals (commands and their args)
};

/// Parses the global options at the start of \p args (program name excluded): the core's and
/// \p plugin_options (what the loaded plugins declared; they land in
/// GlobalOptions::plugin_options). Throws UsageError for an unknown or malformed option, a value
/// outside an option's choices, and -p together with -a. With \p tolerant, unknown options
/// are skipped: the first pass, before the plugins are loaded, which needs only --plugin-dir,
/// -d and -q.
GlobalParse parse_global_options(const std::vector<std::string>& args,
                                 const std::vector<OptionSpec>& plugin_options = {},
                                 bool tolerant = false);

/// The global options the loaded plugins declared, each once; an option that clashes with a
/// core option or with another plugin's different option is passed to \p warn and dropped.
std::vector<OptionSpec> plugin_global_options(const PluginSet& plugins,
                                              const std::function<void(const std::string&)>& warn);

/// Help rows for plugin-declared options.
std::vector<GlobalOptionDoc> plugin_option_docs(const std::vector<OptionSpec>& specs);

/// `-p @NAME`: replaces the name by the inventory board's port or address (and its profile
/// unless --profile was given). Throws UsageError for an unknown name or a broken inventory.
void resolve_board_name(GlobalOptions& g);

/// Parses a `--timeout SEC` value (global or a command's): a positive number of seconds.
/// Throws UsageError "invalid value 'x' for option '--timeout' (seconds > 0)".
double parse_timeout(const std::string& text);

}  // namespace mpytool::cli
