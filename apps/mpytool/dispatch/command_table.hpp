// SPDX-License-Identifier: MIT
/// \file
/// Every command mpytool knows: the built-ins and the commands of the loaded plugins, and how a
/// command word (or a `<plugin> <command>` pair) is resolved to one of them.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loader/plugin_loader.hpp"
#include "mpytool/plugin/command.hpp"

namespace mpytool::cli {

/// One command and where it comes from.
struct CommandEntry {
  std::string plugin;  ///< plugin name; empty for a built-in
  Command* command = nullptr;
  CommandInfo info;  ///< cached command->info()
  /// "exec" for a built-in or a flat-usable command, else "device exec".
  std::string display;
  /// True when the table added `--timeout SEC` to the command's options (every command that
  /// talks to a board and has no timeout option of its own); the dispatcher enforces it.
  bool timeout_option = false;
  /// True for names starting with '_' (completion helpers), left out of help listings.
  bool hidden() const { return !info.name.empty() && info.name.front() == '_'; }
};

/// The command table. Entries have stable addresses.
class CommandTable {
 public:
  /// Collects the commands of every loaded plugin of \p plugins, which must outlive the table.
  explicit CommandTable(const PluginSet& plugins);

  /// Adds a built-in; built-ins win over plugin commands of the same name.
  void add_builtin(std::unique_ptr<Command> command);

  /// The plugins the table was built from.
  const PluginSet& plugins() const noexcept { return plugins_; }

  /// The built-in called \p name, or nullptr.
  const CommandEntry* builtin(std::string_view name) const;
  /// Command \p name of plugin \p plugin, or nullptr.
  const CommandEntry* find(std::string_view plugin, std::string_view name) const;
  /// Plugin commands called \p name, in load order.
  std::vector<const CommandEntry*> offering(std::string_view name) const;
  /// The commands of plugin \p plugin.
  std::vector<const CommandEntry*> commands_of(std::string_view plugin) const;
  /// True if \p word names a loaded plugin.
  bool is_plugin(std::string_view word) const;

  /// Plugin commands (the Python mpytool's command order first, then the rest by plugin load
  /// order), then the built-ins. Hidden commands only with \p include_hidden.
  std::vector<const CommandEntry*> listing(bool include_hidden = false) const;

  /// Words a user may type first: command names and plugin names (for suggestions).
  std::vector<std::string> words() const;

  /// True when several plugins offer command \p name and every one of them declares the device
  /// capabilities it needs: the dispatcher then routes the flat word to the one whose
  /// capabilities the connected board has (`flash` -> flash-esp32 or flash-rp2).
  bool routed(std::string_view name) const;

  /// A resolved command word.
  struct Match {
    const CommandEntry* entry = nullptr;  ///< nullptr: unknown word; a routed word: the first
    std::size_t words = 0;                ///< words used: 1 (flat / built-in) or 2 (plugin form)
    /// A routed word: every plugin command it may stand for, in load order (else empty).
    std::vector<const CommandEntry*> candidates;
  };

  /// Resolves \p words[pos] (and \p words[pos+1] for the plugin form): built-in, then
  /// `<plugin> <command>`, then a flat command offered by exactly one plugin or routed() by
  /// capability. Throws UsageError for an ambiguous flat command or a plugin word without one of
  /// its commands, and PluginError when the word belongs to a plugin that failed to load. Returns
  /// an empty Match for an unknown word.
  Match resolve(const std::vector<std::string>& words, std::size_t pos) const;

 private:
  const PluginSet& plugins_;
  std::vector<std::unique_ptr<Command>> builtins_;
  std::deque<CommandEntry> entries_;
};

}  // namespace mpytool::cli
