// SPDX-License-Identifier: MIT
/// \file
/// What a running command gets from the dispatcher: the board (connected lazily according to
/// the command's Needs), the output channel and what it sees of the global options.
#pragma once

#include <string>
#include <vector>

#include "mpytool/base/export.hpp"
#include "mpytool/plugin/command.hpp"

namespace mpytool {

class Conn;
class Mpy;
class Output;
struct BoardProfile;

/// What a command of a plugin sees of the global options (those before the first command
/// word): the few it reads itself, and all of them as words to hand on to another mpytool
/// process. The app's own options (the virtual board, the inventory board name, plugin
/// directories, retries, the run's timeout) are the app's; they reach another process only as
/// words.
struct PluginOptions {
  /// The board selection as words for another mpytool process: `-p PORT`, `-p @NAME` or
  /// `-a HOST[:PORT]`; empty when the board is found automatically.
  std::vector<std::string> board_args;
  /// Every other global option as words for another mpytool process: the baud rate, -d/-q/-v,
  /// TLS, --no-resume, --retries, plugin and profile directories and options, and the plugins'
  /// global options. An inventory board's profile is left to its name.
  std::vector<std::string> option_args;
  int baud = 115200;                      ///< -b/--baud
  int debug = 0;                          ///< -d count
  int verbosity = 1;                      ///< 0 -q, 1 default, 2 -v
  std::vector<std::string> profile_dirs;  ///< --profile-dir
  /// The global options plugins declared (CommandRegistry::add_global_option), by long name:
  /// `plugin_options.flag("force")`, `.values("exclude")`.
  ParsedArgs plugin_options;

  /// board_args then option_args: the words that start another mpytool process on the same
  /// board with the same settings (`mpytool <these> sync ...`).
  std::vector<std::string> process_args() const {
    std::vector<std::string> a = board_args;
    a.insert(a.end(), option_args.begin(), option_args.end());
    return a;
  }
};

/// Provided by the dispatcher to Command::run().
class BOOST_SYMBOL_VISIBLE CommandContext {
 public:
  virtual ~CommandContext() = default;
  /// The board; opens the link (and enters the raw REPL for Needs::kRepl) on first use.
  /// Throws ConnError.
  virtual Mpy& mpy() = 0;
  /// The link; opens it on first use. Throws ConnError.
  virtual Conn& conn() = 0;
  /// Output channel.
  virtual Output& out() = 0;
  /// What the command sees of the global options.
  virtual const PluginOptions& globals() const = 0;
  /// True if more commands follow this one in the chain (reset's reconnect decision).
  virtual bool more_commands_follow() const = 0;
  /// True if the board has device capability \p cap ("platform.esp32", "module.deflate"), or
  /// the board profile lists it.
  virtual bool has_capability(const std::string& cap) = 0;
  /// The board profile (board_profile.hpp), or nullptr. An explicit `--profile` is loaded before
  /// the first command and applies from the connection on. Otherwise the profile is matched
  /// from the board's sys.platform and machine on the first call after a raw-REPL command
  /// connected (one platform() query if nothing asked for it before); before that, and when
  /// nothing matches, it is nullptr.
  virtual const BoardProfile* profile() = 0;
  /// Why profile() is what it is: "--profile esp32", "inventory board @bench-3", "USB
  /// 2e8a:0005", "platform rp2, machine contains 'RP2040'"; "" while there is none.
  virtual std::string profile_reason() { return {}; }
  /// Says how the running command ended when it succeeded: "unchanged" when it found nothing
  /// to do (every file already there, flash already holding the image). Fleet reports and
  /// MPYTOOL_EVENTS show it; the default outcome is "ok".
  virtual void note_outcome(const std::string& outcome) { (void)outcome; }
  /// True once the user pressed Ctrl-C (SIGINT) and the interrupt is still pending. Commands
  /// that run until stopped (monitor -f) poll this; blocking calls return early on SIGINT.
  virtual bool interrupted() const { return false; }
  /// Marks a pending Ctrl-C as handled: the command ended quietly because of it, so the
  /// dispatcher goes on with the chain instead of reporting Interrupted (exit 130).
  virtual void clear_interrupt() {}
};

}  // namespace mpytool
