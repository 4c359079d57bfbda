// SPDX-License-Identifier: MIT
/// \file
/// What a running command gets from the dispatcher: the board (connected lazily according to
/// the command's Needs), the output channel and the global options.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mpytool/base/export.hpp"
#include "mpytool/link/conn_socket.hpp"
#include "mpytool/plugin/command.hpp"

namespace mpytool {

class Conn;
class Mpy;
class Output;
struct BoardProfile;

/// Global options (docs/compatibility.md, "Global options"), parsed before the first command word.
struct GlobalOptions {
  std::string port;                     ///< -p/--port (a path or id:/loc:/uid: identity)
  std::string board_name;               ///< -p @NAME: the inventory board (port resolved)
  bool profile_from_inventory = false;  ///< `profile` is the inventory board's
  std::string address;                  ///< -a/--address host[:port]
  TlsOptions tls;                       ///< --ssl, --ssl-ca, --ssl-no-hostname, --ssl-no-verify
  int baud = 115200;                    ///< -b/--baud
  double timeout = 0;                   ///< --timeout SEC: bound on the whole run; 0 none
  bool no_resume = false;               ///< --no-resume: a board reset ends a transfer
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
  /// The global options plugins declared (CommandRegistry::add_global_option), by long name:
  /// `plugin_options.flag("force")`, `.values("exclude")`.
  ParsedArgs plugin_options;
};

/// \p g as command-line words for another mpytool process (`fleet`, `watch`): the baud rate,
/// -d/-q/-v, TLS, plugin and profile options and the plugins' global options; the board
/// selection (-p/-a) too when \p with_board. An inventory board's profile is left to the name.
MPYTOOL_CORE_API std::vector<std::string> global_option_args(const GlobalOptions& g,
                                                             bool with_board);

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
  /// Global options.
  virtual const GlobalOptions& globals() const = 0;
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
