// SPDX-License-Identifier: MIT
/// \file
/// Global options (docs/compatibility.md, "Global options"; plus --plugin-dir, --profile,
/// --profile-dir, --vboard,
/// --vboard-opt). They are accepted only before the first command word; that prefix alone goes
/// to Boost.Program_options, so a command's own `-p` is never mistaken for the global `--port`.
/// Parsing is in global_options.cpp, turning them back into words (for the mpytool processes
/// fleet and watch start) and the plugins' view of them in global_option_args.cpp.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loader/plugin_loader.hpp"
#include "mpytool/link/conn_socket.hpp"
#include "mpytool/plugin/command.hpp"
#include "mpytool/plugin/context.hpp"

namespace mpytool::cli {

/// The global options, parsed before the first command word. Commands of plugins see only
/// plugin_view() of them (CommandContext::globals()).
struct GlobalOptions {
  std::string port;                     ///< -p/--port (a path or id:/loc:/uid: identity)
  std::string board_name;               ///< -p @NAME: the inventory board (port resolved)
  bool profile_from_inventory = false;  ///< `profile` is the inventory board's
  std::string address;                  ///< -a/--address host[:port], ws://..., wss://...
  /// --password PW: the WebREPL password (also MPYTOOL_PASSWORD, the inventory's `password:`,
  /// a prompt). Never turned back into words: children get it in MPYTOOL_PASSWORD.
  std::string password;
  std::string inventory_password;  ///< the inventory board's `password:` (-p @NAME)
  TlsOptions tls;                  ///< --ssl, --ssl-ca, --ssl-no-hostname, --ssl-no-verify
  int baud = 115200;               ///< -b/--baud
  double timeout = 0;              ///< --timeout SEC: bound on the whole run; 0 none
  bool no_resume = false;          ///< --no-resume: a board reset ends a transfer
  /// --retries N: a TCP link that breaks is opened again and the command run again, N times
  /// (unset: once for commands that resume, such as transfers; never for others).
  std::optional<int> retries;
  int debug = 0;                          ///< -d count
  int verbosity = 1;                      ///< 0 -q, 1 default, 2 -v
  std::vector<std::string> plugin_dirs;   ///< --plugin-dir
  bool vboard = false;                    ///< --vboard: start a private virtual board
  std::vector<std::string> vboard_args;   ///< --vboard-opt extra arguments for the board
  std::string profile;                    ///< --profile ID or FILE; empty = match automatically
  std::vector<std::string> profile_dirs;  ///< --profile-dir
  /// The global options plugins declared (CommandRegistry::add_global_option), by long name.
  ParsedArgs plugin_options;
};

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

// Turning the options back into words (global_option_args.cpp), for the mpytool processes
// fleet and watch start.

/// The board selection of \p g as words: `-p @NAME` for an inventory board, `-p PORT` or
/// `-a HOST[:PORT]`; empty when the board is found automatically.
std::vector<std::string> board_option_args(const GlobalOptions& g);

/// Every other option of \p g as words: the baud rate, -d/-q/-v, TLS, --no-resume,
/// --retries, plugin and profile options and the plugins' global options. An inventory
/// board's profile is left to the name.
std::vector<std::string> global_option_args(const GlobalOptions& g);

/// What commands of plugins see of \p g (CommandContext::globals()).
PluginOptions plugin_view(const GlobalOptions& g);

/// Parses a `--timeout SEC` value (global or a command's): a positive number of seconds.
/// Throws UsageError "invalid value 'x' for option '--timeout' (seconds > 0)".
double parse_timeout(const std::string& text);

}  // namespace mpytool::cli
