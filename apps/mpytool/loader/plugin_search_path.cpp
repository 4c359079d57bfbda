// SPDX-License-Identifier: MIT
// Plugin discovery order (docs/plugin-sdk.md, "Where mpytool looks"): --plugin-dir,
// MPYTOOL_PLUGIN_PATH, next to the executable (the build tree mirrors the install tree), then the
// configured install prefix.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "loader/plugin_loader.hpp"
#include "mpytool/base/search_path.hpp"

#ifndef MPYTOOL_INSTALL_PLUGIN_DIR
#define MPYTOOL_INSTALL_PLUGIN_DIR "/usr/local/lib/mpytool/plugins"
#endif

namespace mpytool {
namespace fs = std::filesystem;

std::vector<fs::path> plugin_search_path(const std::vector<std::string>& plugin_dirs,
                                         bool include_defaults) {
  std::vector<fs::path> dirs;
  for (const auto& d : plugin_dirs) add_search_dir(dirs, d);
  if (!include_defaults) return dirs;

  add_env_search_dirs(dirs, "MPYTOOL_PLUGIN_PATH");
  add_exe_relative_dir(dirs, fs::path("lib") / "mpytool" / "plugins");
  add_search_dir(dirs, MPYTOOL_INSTALL_PLUGIN_DIR);
  return dirs;
}

}  // namespace mpytool
