// SPDX-License-Identifier: MIT
/// \file
/// The plugin ABI. A plugin is a shared library exporting one plain-data PluginDescriptor
/// (symbol `mpytool_plugin_v1`, section `mpytool`). The host reads the descriptor and checks
/// the ABI number and build tag before any C++ object crosses the boundary, then calls
/// create() and register_commands(). Plugins throw only core-defined exception types.
#pragma once

#include <boost/config.hpp>
#include <boost/dll/alias.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mpytool/base/version.hpp"
#include "mpytool/plugin/command.hpp"

namespace mpytool {

/// What a plugin says about itself.
struct PluginInfo {
  std::string name;                   ///< CLI word: "fs", "device"
  std::string summary;                ///< one line for `mpytool plugins`
  std::vector<std::string> provides;  ///< capabilities ("fs", "fs.hash")
};

/// A loaded plugin. Created by the descriptor's create(); destroyed by the host before the
/// library is unloaded.
class BOOST_SYMBOL_VISIBLE Plugin {
 public:
  virtual ~Plugin() = default;
  /// Name, summary and provided capabilities.
  virtual PluginInfo info() const = 0;
  /// Adds the plugin's commands; called once after the ABI check.
  virtual void register_commands(CommandRegistry& registry) = 0;
};

/// Plain data read before anything else. Its layout never changes; a new layout gets a new
/// symbol name (mpytool_plugin_v2).
struct PluginDescriptor {
  std::uint32_t abi_version;  ///< must equal kPluginAbiVersion
  const char* name;           ///< "fs"
  const char* version;        ///< plugin's own version, "0.1.0"
  const char* build_tag;      ///< MPYTOOL_BUILD_TAG of the plugin's build
  Plugin* (*create)();        ///< host owns the result
};

}  // namespace mpytool

/// Exports \p PluginClass as a plugin named \p name with version \p version. Use once per
/// plugin library, at namespace scope.
#define MPYTOOL_PLUGIN(PluginClass, name, version)                                          \
  namespace mpytool_plugin_export {                                                         \
  static ::mpytool::Plugin* create_plugin() { return new PluginClass(); }                   \
  const ::mpytool::PluginDescriptor descriptor{::mpytool::kPluginAbiVersion, name, version, \
                                               MPYTOOL_BUILD_TAG, &create_plugin};          \
  }                                                                                         \
  BOOST_DLL_ALIAS_SECTIONED(mpytool_plugin_export::descriptor, mpytool_plugin_v1, mpytool)
