// SPDX-License-Identifier: MIT
// Plugin discovery order (style.md §8.3): --plugin-dir, MPYTOOL_PLUGIN_PATH, next to the
// executable (the build tree mirrors the install tree), then the configured install prefix.
#include <boost/dll/runtime_symbol_info.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "mpytool/plugin_loader.hpp"

#ifndef MPYTOOL_INSTALL_PLUGIN_DIR
#define MPYTOOL_INSTALL_PLUGIN_DIR "/usr/local/lib/mpytool/plugins"
#endif

namespace mpytool {
namespace {

namespace fs = std::filesystem;

void add_dir(std::vector<fs::path>& dirs, const fs::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  fs::path canonical = fs::weakly_canonical(dir, ec);
  if (ec) canonical = dir;
  for (const auto& d : dirs) {
    if (d == canonical) return;
  }
  dirs.push_back(canonical);
}

}  // namespace

std::vector<fs::path> plugin_search_path(const std::vector<std::string>& plugin_dirs,
                                         bool include_defaults) {
  std::vector<fs::path> dirs;
  for (const auto& d : plugin_dirs) add_dir(dirs, d);
  if (!include_defaults) return dirs;

  if (const char* env = std::getenv("MPYTOOL_PLUGIN_PATH")) {
    std::string value = env;
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t end = value.find(':', start);
      if (end == std::string::npos) end = value.size();
      add_dir(dirs, value.substr(start, end - start));
      start = end + 1;
    }
  }

  // program_location() reads /proc/self/exe; it cannot fail in practice, but a missing /proc
  // must not stop mpytool from starting.
  std::error_code ec;
  fs::path exe = boost::dll::program_location(ec);
  if (!ec) add_dir(dirs, exe.parent_path() / ".." / "lib" / "mpytool" / "plugins");

  add_dir(dirs, MPYTOOL_INSTALL_PLUGIN_DIR);
  return dirs;
}

}  // namespace mpytool
