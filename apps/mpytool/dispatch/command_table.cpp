// SPDX-License-Identifier: MIT
#include "command_table.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cli/global_options.hpp"
#include "cli/suggest.hpp"
#include "mpytool/base/error.hpp"

namespace mpytool::cli {

namespace {

std::string join_choices(const std::vector<const CommandEntry*>& entries) {
  std::string s;
  for (const auto* e : entries) {
    if (!s.empty()) s += ", ";
    s += fmt::format("'mpytool {} {}'", e->plugin, e->info.name);
  }
  return s;
}

// Every command that talks to a board takes `--timeout SEC` (bound on that command); one that
// has a timeout option of its own (exec -t/--timeout, expect) keeps its meaning.
void add_timeout_option(CommandEntry& e) {
  if (e.info.needs == Needs::kNothing) return;
  for (const auto& o : e.info.options) {
    if (o.long_name == "timeout") return;
  }
  OptionSpec o{"timeout",
               0,
               OptionSpec::Kind::kValue,
               "SEC",
               "give up when this command takes longer than SEC s (exit 5)",
               std::nullopt};
  o.check = [](const std::string& v) { parse_timeout(v); };
  e.info.options.push_back(std::move(o));
  e.timeout_option = true;
}

}  // namespace

CommandTable::CommandTable(const PluginSet& plugins) : plugins_(plugins) {
  for (const auto& ref : plugins.commands()) {
    CommandEntry e;
    e.plugin = ref.plugin->name;
    e.command = ref.command;
    e.info = ref.command->info();
    add_timeout_option(e);
    entries_.push_back(std::move(e));
  }
  // A command is flat-usable when exactly one plugin offers it, or when capabilities route it.
  for (auto& e : entries_) {
    e.display = offering(e.info.name).size() == 1 || routed(e.info.name)
                    ? e.info.name
                    : e.plugin + " " + e.info.name;
  }
}

void CommandTable::add_builtin(std::unique_ptr<Command> command) {
  CommandEntry e;
  e.command = command.get();
  e.info = command->info();
  add_timeout_option(e);
  e.display = e.info.name;
  builtins_.push_back(std::move(command));
  entries_.push_back(std::move(e));
}

const CommandEntry* CommandTable::builtin(std::string_view name) const {
  for (const auto& e : entries_) {
    if (e.plugin.empty() && e.info.name == name) return &e;
  }
  return nullptr;
}

const CommandEntry* CommandTable::find(std::string_view plugin, std::string_view name) const {
  for (const auto& e : entries_) {
    if (!e.plugin.empty() && e.plugin == plugin && e.info.name == name) return &e;
  }
  return nullptr;
}

std::vector<const CommandEntry*> CommandTable::offering(std::string_view name) const {
  std::vector<const CommandEntry*> out;
  for (const auto& e : entries_) {
    if (!e.plugin.empty() && e.info.name == name) out.push_back(&e);
  }
  return out;
}

std::vector<const CommandEntry*> CommandTable::commands_of(std::string_view plugin) const {
  std::vector<const CommandEntry*> out;
  for (const auto& e : entries_) {
    if (!e.plugin.empty() && e.plugin == plugin) out.push_back(&e);
  }
  return out;
}

bool CommandTable::routed(std::string_view name) const {
  const auto offers = offering(name);
  return offers.size() > 1 && std::all_of(offers.begin(), offers.end(), [](const auto* e) {
           return !e->info.requires_caps.empty();
         });
}

bool CommandTable::is_plugin(std::string_view word) const {
  return plugins_.find_loaded(word) != nullptr;
}

std::vector<const CommandEntry*> CommandTable::listing(bool include_hidden) const {
  std::vector<const CommandEntry*> plugin_cmds, builtins;
  for (const auto& e : entries_) {
    if (e.hidden() && !include_hidden) continue;
    (e.plugin.empty() ? builtins : plugin_cmds).push_back(&e);
  }
  std::stable_sort(plugin_cmds.begin(), plugin_cmds.end(),
                   [](const auto* a, const auto* b) { return a->info.rank < b->info.rank; });
  plugin_cmds.insert(plugin_cmds.end(), builtins.begin(), builtins.end());
  return plugin_cmds;
}

std::vector<std::string> CommandTable::words() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) {
    if (!e.hidden()) out.push_back(e.info.name);
  }
  for (const auto& r : plugins_.records()) {
    if (r.status == PluginStatus::kLoaded) out.push_back(r.name);
  }
  return out;
}

CommandTable::Match CommandTable::resolve(const std::vector<std::string>& words,
                                          std::size_t pos) const {
  const std::string& word = words.at(pos);
  if (const CommandEntry* b = builtin(word)) return {b, 1, {}};

  if (is_plugin(word)) {
    if (pos + 1 < words.size()) {
      if (const CommandEntry* e = find(word, words[pos + 1])) return {e, 2, {}};
    }
    auto flat = offering(word);
    if (flat.size() == 1) return {flat.front(), 1, {}};
    if (routed(word)) return {flat.front(), 1, flat};
    std::vector<std::string> names;
    for (const auto* e : commands_of(word)) names.push_back(e->info.name);
    std::string list = fmt::format("{}", fmt::join(names, ", "));
    if (pos + 1 < words.size()) {
      std::string hint = did_you_mean(words[pos + 1], names);
      throw UsageError(fmt::format("plugin '{}' has no command '{}'", word, words[pos + 1]),
                       hint.empty() ? fmt::format("its commands are: {}", list) : hint);
    }
    throw UsageError(fmt::format("missing command after plugin '{}'", word),
                     fmt::format("its commands are: {}", list));
  }

  auto offers = offering(word);
  if (offers.size() == 1) return {offers.front(), 1, {}};
  if (routed(word)) return {offers.front(), 1, offers};
  if (offers.size() > 1) {
    throw UsageError(fmt::format("command '{}' is ambiguous", word),
                     fmt::format("use one of {}", join_choices(offers)));
  }

  if (const PluginRecord* failed = plugins_.find_failed(word)) PluginSet::throw_failed(*failed);
  if (const PluginRecord* failed = plugins_.find_failed_command(word)) {
    PluginSet::throw_failed(*failed);
  }
  return {};
}

}  // namespace mpytool::cli
