// SPDX-License-Identifier: MIT
#include "mpytool/mip/plan.hpp"

#include <cstdlib>

namespace mpytool::mip {

const Package* Plan::find(const std::string& name) const {
  for (const auto& p : packages) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::size_t Plan::file_count() const {
  std::size_t n = 0;
  for (const auto& p : packages) n += p.files.size();
  return n;
}

std::vector<std::string> default_indexes() {
  const char* env = std::getenv("MPYTOOL_MIP_INDEX");
  if (env != nullptr && *env != '\0') return {env};
  return {"https://micropython.org/pi/v2"};
}

std::string default_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && *xdg != '\0') return std::string(xdg) + "/mpytool/mip";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.cache/mpytool/mip";
}

}  // namespace mpytool::mip
