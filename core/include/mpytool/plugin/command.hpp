// SPDX-License-Identifier: MIT
/// \file
/// Commands as data plus one function. A command declares its options, positionals, what it
/// needs from the dispatcher (nothing, an open port, the raw REPL) and which device
/// capabilities it requires; the dispatcher parses, connects and checks before run().
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mpytool/base/export.hpp"

namespace mpytool {

class CommandContext;

/// What the dispatcher must provide before a command runs.
enum class Needs {
  kNothing,  ///< no connection (ports, sleep, help)
  kPort,     ///< the link is open, REPL state untouched (monitor, repl, flashers)
  kRepl      ///< the link is open and the board is in the raw REPL
};

/// One option of a command (core turns these into Boost.Program_options).
struct OptionSpec {
  /// How the option takes values.
  enum class Kind { kFlag, kValue, kMulti };
  std::string long_name;  ///< "timeout"
  char short_name = 0;    ///< 't', or 0
  Kind kind = Kind::kFlag;
  std::string value_name;  ///< "SEC" for help
  std::string help;        ///< one line
  std::optional<std::string> default_value = {};
  /// For kValue/kMulti: the accepted values ("auto", "stream", "text"); empty = any. The
  /// parser refuses others with the list.
  std::vector<std::string> choices = {};
  /// For kValue/kMulti: checks one value when the command line is parsed; throws UsageError
  /// for a bad one (e.g. parse_chunk_size). Empty = any value.
  std::function<void(const std::string&)> check = {};
};

/// One positional argument.
struct PositionalSpec {
  /// How many words it takes.
  enum class Arity { kOne, kOptional, kZeroOrMore, kOneOrMore };
  std::string name;  ///< "CODE", ":path"
  std::string help;
  Arity arity = Arity::kOne;
};

/// Help ranks of the Python mpytool's commands (CommandInfo::rank): the order of its
/// `_CMD_ORDER`, which this tool keeps for `help`, `_commands` and completion lists
/// (docs/compatibility.md, "Commands"). Both `flash` commands share one rank; a command that is
/// not the Python tool's keeps the default rank and comes after these.
namespace help_rank {
inline constexpr int kLs = 0;
inline constexpr int kTree = 1;
inline constexpr int kCat = 2;
inline constexpr int kCp = 3;
inline constexpr int kMv = 4;
inline constexpr int kMkdir = 5;
inline constexpr int kRm = 6;
inline constexpr int kPwd = 7;
inline constexpr int kCd = 8;
inline constexpr int kPath = 9;
inline constexpr int kStop = 10;
inline constexpr int kReset = 11;
inline constexpr int kMonitor = 12;
inline constexpr int kRepl = 13;
inline constexpr int kExec = 14;
inline constexpr int kEval = 15;
inline constexpr int kRun = 16;
inline constexpr int kEdit = 17;
inline constexpr int kInfo = 18;
inline constexpr int kRtc = 19;
inline constexpr int kFlash = 20;
inline constexpr int kMount = 21;
inline constexpr int kLn = 22;
inline constexpr int kSpeedtest = 23;
inline constexpr int kSleep = 24;
inline constexpr int kPorts = 25;
}  // namespace help_rank

/// Everything the dispatcher and `help` need to know about a command.
struct CommandInfo {
  std::string name;         ///< "exec"
  std::string summary;      ///< one line, the Python mpytool's parser description
  std::string description;  ///< optional longer help text
  std::vector<OptionSpec> options;
  std::vector<PositionalSpec> positionals;
  Needs needs = Needs::kRepl;
  std::vector<std::string> requires_caps;  ///< device capabilities, all must hold
  /// Words after the positionals that are further commands of the same group (the Python mpytool's
  /// `mpytool stop info`). Only for commands without positionals.
  bool chains_leftovers = false;
  /// The command takes the rest of the command line: its options, then every word after the
  /// first `--` (separators included) as its positionals, unparsed (`fleet` runs that chain
  /// elsewhere). A command that declares positionals besides the chain gets the words before
  /// the `--` first, then "--", then the chain (watch LOCAL :DST -- <chain>).
  bool takes_rest = false;
  /// When the board resets during the command (BoardReset), the dispatcher runs it once more
  /// once the board is back, unless --no-resume: for commands that pick up where they were
  /// (cp and sync skip what is already there, flash and OTA writes compare block hashes).
  bool resumes_after_reset = false;
  /// With resumes_after_reset: only these subcommands (the first positional) resume; empty:
  /// every run of the command (`flash write` resumes, `flash erase` does not).
  std::vector<std::string> resuming_subcommands;
  /// Place in `help`, `_commands` and completion lists: lower first, ties in load order. The
  /// Python mpytool's commands take their help_rank (0..25); the default puts a command after
  /// them.
  int rank = 1000;
};

/// Parsed arguments of one command invocation.
class MPYTOOL_CORE_API ParsedArgs {
 public:
  /// True if the flag was given (or counted > 0).
  bool flag(const std::string& name) const;
  /// How many times a flag was given.
  int count(const std::string& name) const;
  /// The value of a kValue option (or its default), nullopt if absent.
  std::optional<std::string> value(const std::string& name) const;
  /// All values of a kMulti option.
  std::vector<std::string> values(const std::string& name) const;
  /// Positional words in order.
  const std::vector<std::string>& positionals() const noexcept { return positionals_; }

  /// Every flag given, with its count (to hand the options on to another process).
  const std::map<std::string, int>& flags() const noexcept { return flags_; }
  /// Every kValue/kMulti option given, with its values.
  const std::map<std::string, std::vector<std::string>>& all_values() const noexcept {
    return values_;
  }

  /// Builders used by the option parser and by tests.
  void set_flag(const std::string& name, int count = 1) { flags_[name] = count; }
  void add_value(const std::string& name, std::string v) { values_[name].push_back(std::move(v)); }
  void add_positional(std::string v) { positionals_.push_back(std::move(v)); }

 private:
  std::map<std::string, int> flags_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

/// A command. Implementations live in plugins (one per file) or in the app.
class BOOST_SYMBOL_VISIBLE Command {
 public:
  virtual ~Command() = default;
  /// Name, help, options and needs.
  virtual CommandInfo info() const = 0;
  /// Runs the command; returns the exit code (0 success). Throws mpytool errors.
  virtual int run(CommandContext& ctx, const ParsedArgs& args) = 0;
};

/// Filled by Plugin::register_commands().
class MPYTOOL_CORE_API CommandRegistry {
 public:
  /// Adds a command.
  void add(std::unique_ptr<Command> command);
  /// Declares a capability the plugin provides ("fs", "flash.esp32").
  void provide(std::string capability);
  /// Declares a global option the plugin understands: given before the first command word
  /// (`mpytool -e '*.pyc' cp ...`, the Python mpytool's positions), parsed by the app and handed to
  /// every command as PluginOptions::plugin_options. Several plugins may declare the same option
  /// with the same name, letter and kind; a clash with a core option or another plugin's
  /// different option is a warning and the later one is dropped.
  void add_global_option(OptionSpec option);

  /// The registered commands.
  std::vector<std::unique_ptr<Command>>& commands() noexcept { return commands_; }
  /// The declared capabilities.
  const std::vector<std::string>& provides() const noexcept { return provides_; }
  /// The declared global options.
  const std::vector<OptionSpec>& global_options() const noexcept { return global_options_; }

 private:
  std::vector<std::unique_ptr<Command>> commands_;
  std::vector<std::string> provides_;
  std::vector<OptionSpec> global_options_;
};

}  // namespace mpytool
