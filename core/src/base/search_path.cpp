// SPDX-License-Identifier: MIT
#include "mpytool/base/search_path.hpp"

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cstdlib>
#include <string>
#include <system_error>

namespace mpytool {

namespace fs = std::filesystem;

void add_search_dir(std::vector<fs::path>& dirs, const fs::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  fs::path canonical = fs::weakly_canonical(dir, ec);
  if (ec) canonical = dir;
  if (std::find(dirs.begin(), dirs.end(), canonical) == dirs.end()) dirs.push_back(canonical);
}

void add_env_search_dirs(std::vector<fs::path>& dirs, const char* name) {
  const char* env = std::getenv(name);
  if (!env) return;
  const std::string value = env;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t end = value.find(':', start);
    if (end == std::string::npos) end = value.size();
    add_search_dir(dirs, value.substr(start, end - start));
    start = end + 1;
  }
}

void add_exe_relative_dir(std::vector<fs::path>& dirs, const fs::path& relative) {
  // program_location() reads /proc/self/exe; a missing /proc must not stop mpytool starting.
  std::error_code ec;
  fs::path exe = boost::dll::program_location(ec);
  if (!ec) add_search_dir(dirs, exe.parent_path() / ".." / relative);
}

}  // namespace mpytool
