// SPDX-License-Identifier: MIT
/// \file
/// Plugin discovery and loading. Plugins are `mpytool-<name>.so` files found in a fixed search
/// path (plugin_search_path()). PluginSet checks each candidate without running its code
/// (Boost.DLL library_info), loads it, checks the descriptor's ABI number and build tag, then
/// creates the plugin and lets it register its commands. Broken, foreign and mismatched files
/// and duplicates are reported through a warning callback and kept as records, so that using a
/// command of a broken plugin can fail with a clear PluginError. Libraries stay loaded until the
/// PluginSet is destroyed; plugin and command objects are destroyed before their libraries.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/plugin/command.hpp"

namespace mpytool {

class Command;
struct PluginDescriptor;

/// The state of one plugin file.
enum class PluginStatus {
  kLoaded,     ///< loaded, its commands are registered
  kFailed,     ///< could not be loaded (not a plugin, ABI mismatch, threw while registering)
  kDuplicate,  ///< a valid plugin whose name was already loaded from an earlier file
};

/// Lower-case word for \p status: "loaded", "failed", "duplicate".
const char* to_string(PluginStatus status) noexcept;

/// What the host knows about one plugin file, loaded or not.
struct PluginRecord {
  std::string name;     ///< descriptor name; for unreadable files the file stem without "mpytool-"
  std::string version;  ///< plugin's own version, empty when unknown
  std::string summary;  ///< one line from Plugin::info(), empty when unknown
  std::filesystem::path path;              ///< the library file
  std::vector<std::string> commands;       ///< command names (for a failed plugin: those registered
                                           ///< before it failed)
  std::vector<std::string> provides;       ///< capabilities the plugin provides ("fs", "fs.hash")
  std::vector<OptionSpec> global_options;  ///< global options it declared (the app parses them)
  PluginStatus status = PluginStatus::kFailed;
  std::string reason;  ///< why it failed or was skipped; empty when loaded
};

/// Receives one-line warnings, e.g. "skipping '/x/mpytool-bad.so': built for plugin ABI 2, this
/// mpytool has 1" (without the "mpytool: warning: " prefix).
using PluginWarningSink = std::function<void(const std::string& message)>;

/// The plugin directories in discovery order, without duplicates and without directories that
/// do not exist:
///  1. \p plugin_dirs (--plugin-dir, in the order given);
///  2. the ':'-separated entries of the MPYTOOL_PLUGIN_PATH environment variable;
///  3. `<directory of the executable>/../lib/mpytool/plugins` (the build tree mirrors the install
///     tree, so this covers both);
///  4. the install prefix's plugin directory (compile definition MPYTOOL_INSTALL_PLUGIN_DIR).
/// Steps 2-4 are skipped when \p include_defaults is false (tests).
std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::string>& plugin_dirs,
                                                      bool include_defaults = true);

/// The loaded plugins of one process and the records of those that failed. Not copyable, not
/// thread-safe. Destroying it destroys command and plugin objects in reverse load order, then
/// unloads the libraries.
class PluginSet {
 public:
  /// A command of a loaded plugin.
  struct CommandRef {
    const PluginRecord* plugin;  ///< the plugin that registered it
    Command* command;            ///< owned by the PluginSet
  };

  PluginSet();
  ~PluginSet();
  PluginSet(const PluginSet&) = delete;
  PluginSet& operator=(const PluginSet&) = delete;

  /// Loads every file with the shared-library suffix from each directory of \p dirs in order
  /// (files of one directory in name order). The first plugin of a name wins. Problems are
  /// passed to \p warn and never thrown.
  void load_directories(const std::vector<std::filesystem::path>& dirs,
                        const PluginWarningSink& warn = {});

  /// Loads one file (any name). Returns true if it is now a loaded plugin. Problems are passed
  /// to \p warn and recorded; never throws.
  bool load_file(const std::filesystem::path& file, const PluginWarningSink& warn = {});

  /// Every record in load order: loaded, failed and duplicate.
  const std::vector<PluginRecord>& records() const noexcept { return records_; }

  /// The loaded plugin called \p name, or nullptr.
  const PluginRecord* find_loaded(std::string_view name) const;

  /// The first failed record called \p name (by plugin name), or nullptr. Used to turn the use
  /// of a broken plugin into a PluginError.
  const PluginRecord* find_failed(std::string_view name) const;

  /// The first failed record that had registered a command called \p command, or nullptr.
  const PluginRecord* find_failed_command(std::string_view command) const;

  /// Command \p command of the loaded plugin \p plugin, or nullptr.
  Command* find_command(std::string_view plugin, std::string_view command) const;

  /// All loaded commands in load order (plugin order, then registration order).
  std::vector<CommandRef> commands() const;

  /// True if a loaded plugin provides capability \p capability.
  bool provides(std::string_view capability) const;

  /// Throws PluginError "plugin 'x' could not be loaded: <reason>" for \p record.
  [[noreturn]] static void throw_failed(const PluginRecord& record);

 private:
  struct Loaded;
  // The steps of load_file(): each records what stops the load and returns nullptr/false
  // (add_duplicate: true).
  /// The pre-check, dlopen and the descriptor symbol.
  const PluginDescriptor* open_library(const std::filesystem::path& file,
                                       const PluginWarningSink& warn);
  /// The descriptor's ABI number, build tag, name and create function.
  bool check_descriptor(const std::filesystem::path& file, const PluginDescriptor& desc,
                        const PluginWarningSink& warn);
  /// Records \p file as a duplicate if a plugin of its name is loaded already.
  bool add_duplicate(const std::filesystem::path& file, const PluginDescriptor& desc,
                     const PluginWarningSink& warn);
  /// create() and register_commands(); records the plugin, loaded or failed.
  bool instantiate(const std::filesystem::path& file, const PluginDescriptor& desc,
                   const PluginWarningSink& warn);
  void add_failed(const std::filesystem::path& file, std::string name, std::string version,
                  std::string reason, const PluginWarningSink& warn);

  std::vector<std::shared_ptr<void>> libraries_;  // every library opened, in load order
  std::vector<PluginRecord> records_;
  std::vector<std::unique_ptr<Loaded>> loaded_;  // destroyed before libraries_
};

}  // namespace mpytool
