// SPDX-License-Identifier: MIT
/// \file
/// Turns a command's OptionSpec / PositionalSpec into Boost.Program_options and parses its
/// words, so every plugin gets the same syntax and error wording. Errors become UsageError
/// "<cmd>: <message>" (exit 2).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mpytool/plugin/command.hpp"

namespace mpytool::cli {

/// The outcome of parsing one command's words.
struct CommandArgs {
  ParsedArgs args;           ///< flags, values (defaults filled in) and positionals
  bool help = false;         ///< --help (or -h unless the command uses -h) was given
  std::size_t consumed = 0;  ///< words used; the rest are further commands
  /// -q (0) or -v (2) given after the command name, as the global flags mean them; nullopt
  /// without. Every command takes them unless it has options of its own called so.
  std::optional<int> verbosity;
};

/// Parses \p words (those after the command name) for \p info. \p display is the name used in
/// messages ("exec", "device exec"). A command with chains_leftovers stops at its first word
/// that is neither an option nor an option's value; otherwise every word is consumed.
/// Throws UsageError.
CommandArgs parse_command_args(const std::string& display, const CommandInfo& info,
                               const std::vector<std::string>& words);

/// True if \p info accepts -h as --help (it has no option of its own using -h or --help).
bool help_short_available(const CommandInfo& info);

}  // namespace mpytool::cli
