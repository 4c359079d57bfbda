// SPDX-License-Identifier: MIT
/// \file
/// Global options (reference §1.1 plus --plugin-dir, --profile, --profile-dir, --vboard,
/// --vboard-opt). They are accepted only before the first command word; that prefix alone goes
/// to Boost.Program_options, so a command's own `-p` is never mistaken for the global `--port`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mpytool/context.hpp"

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

/// Parses the global options at the start of \p args (program name excluded). Throws UsageError
/// for an unknown or malformed option, a bad -c value, and -p together with -a.
GlobalParse parse_global_options(const std::vector<std::string>& args);

/// `-p @NAME`: replaces the name by the inventory board's port or address (and its profile
/// unless --profile was given). Throws UsageError for an unknown name or a broken inventory.
void resolve_board_name(GlobalOptions& g);

}  // namespace mpytool::cli
