// SPDX-License-Identifier: MIT
/// \file
/// Runs the command words after the global options. They are split into groups on `--` and
/// on a lone `+` (mpremote style); within a group, a command marked chains_leftovers hands the
/// words it does not use to the next command (`mpytool stop info`). Every command of the whole
/// line is resolved and parsed before the first one runs, so usage errors never leave a board
/// half-done. All commands share one AppContext (one link, one raw-REPL session, no soft reset
/// between them); the raw REPL is left (Ctrl-B) at the end.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/global_options.hpp"
#include "dispatch/command_table.hpp"
#include "fleet/events.hpp"

namespace mpytool {
class Output;
}

namespace mpytool::cli {

/// Splits \p words on `--` and lone `+`; empty groups are dropped.
std::vector<std::vector<std::string>> split_groups(const std::vector<std::string>& words);

/// One command ready to run: a command, or for a routed word the commands it may stand for,
/// each with its own parse of the words (their options may differ).
struct Step {
  std::vector<std::pair<const CommandEntry*, ParsedArgs>> choices;
  std::string word;
  std::optional<int> verbosity;  ///< the command's own -v / -q
};

class AppContext;

/// Executes command lines against a command table.
class Dispatcher {
 public:
  /// All references must outlive the dispatcher. \p plugin_path is exported to external
  /// commands.
  Dispatcher(const CommandTable& table, const GlobalOptions& globals, Output& output,
             std::vector<std::filesystem::path> plugin_path);

  /// Runs \p words (everything after the globals). Returns the exit code of the first command
  /// that returns non-zero, of an external command, or 0. `<cmd> --help` prints the command's
  /// help and runs nothing. Throws MpyError (UsageError for unknown commands, with a
  /// did-you-mean hint).
  int run(const std::vector<std::string>& words);

  /// Step events go to \p events (MPYTOOL_EVENTS); nullptr for none.
  void set_event_log(EventLog* events) noexcept { events_ = events; }

 private:
  /// An unknown first word: `mpytool-<word>` with every word after it, or UsageError.
  int run_external(const std::vector<std::string>& words);
  /// A command that takes the rest of the line (fleet, watch) after its first \p skip words.
  int run_taking_rest(const CommandEntry& entry, std::size_t skip,
                      const std::vector<std::string>& words);
  /// Every command of the line resolved and parsed; nullopt when a `--help` was answered.
  std::optional<std::vector<Step>> plan(const std::vector<std::string>& words) const;
  /// The command at \p pos of \p group, \p pos moved past its words; nullopt for `--help`.
  std::optional<Step> plan_step(const std::vector<std::string>& group, std::size_t& pos) const;
  /// Runs \p steps on one shared context; the first non-zero exit code ends the chain.
  int run_steps(const std::vector<Step>& steps);
  /// Step \p i with its events (MPYTOOL_EVENTS) and its own -v / -q.
  int run_step(AppContext& ctx, const Step& step, std::size_t i);
  /// The step's --timeout, the choice the board serves, and the run (resumed after a reset).
  int run_routed(AppContext& ctx, const Step& step);

  EventLog* events_ = nullptr;
  const CommandTable& table_;
  const GlobalOptions& globals_;
  Output& output_;
  std::vector<std::filesystem::path> plugin_path_;
};

}  // namespace mpytool::cli
