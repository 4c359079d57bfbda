// SPDX-License-Identifier: MIT
#include "mpytool/board/helpers.hpp"

#include <map>
#include <mutex>

namespace mpytool {
namespace {

struct Catalogue {
  std::mutex mutex;
  std::map<std::string_view, HelperSpec, std::less<>> specs;
};

// Built on first use: libraries register from their static initialisers, in any order.
Catalogue& catalogue() {
  static Catalogue c;
  return c;
}

}  // namespace

void add_helpers(const std::vector<HelperSpec>& specs) {
  Catalogue& c = catalogue();
  const std::lock_guard lock(c.mutex);
  for (const HelperSpec& s : specs) c.specs.emplace(s.name, s);
}

void remove_helpers(const std::vector<HelperSpec>& specs) {
  Catalogue& c = catalogue();
  const std::lock_guard lock(c.mutex);
  for (const HelperSpec& s : specs) {
    auto it = c.specs.find(s.name);
    if (it != c.specs.end() && it->second.source.data() == s.source.data()) c.specs.erase(it);
  }
}

const HelperSpec* find_helper(std::string_view name) {
  Catalogue& c = catalogue();
  const std::lock_guard lock(c.mutex);
  auto it = c.specs.find(name);
  return it == c.specs.end() ? nullptr : &it->second;
}

}  // namespace mpytool
