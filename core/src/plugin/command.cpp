// SPDX-License-Identifier: MIT
#include "mpytool/plugin/command.hpp"

#include <algorithm>

#include "mpytool/base/error.hpp"

namespace mpytool {

bool ParsedArgs::flag(const std::string& name) const { return count(name) > 0; }

int ParsedArgs::count(const std::string& name) const {
  auto it = flags_.find(name);
  return it == flags_.end() ? 0 : it->second;
}

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
  // A repeated kValue option behaves like argparse's "store": the last one wins.
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::values(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

void CommandRegistry::add(std::unique_ptr<Command> command) {
  if (!command) throw PluginError("cannot register a null command");
  commands_.push_back(std::move(command));
}

void CommandRegistry::add_global_option(OptionSpec option) {
  global_options_.push_back(std::move(option));
}

void CommandRegistry::provide(std::string capability) {
  if (std::find(provides_.begin(), provides_.end(), capability) == provides_.end()) {
    provides_.push_back(std::move(capability));
  }
}

}  // namespace mpytool
