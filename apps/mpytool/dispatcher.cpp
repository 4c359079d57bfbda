// SPDX-License-Identifier: MIT
#include "dispatcher.hpp"

#include <fmt/format.h>

#include <iostream>

#include "context.hpp"
#include "external_command.hpp"
#include "help.hpp"
#include "mpytool/error.hpp"
#include "mpytool/output.hpp"
#include "option_parser.hpp"
#include "signals.hpp"
#include "suggest.hpp"

namespace mpytool::cli {

namespace {

/// One command ready to run.
struct Step {
  const CommandEntry* entry;
  ParsedArgs args;
};

bool is_separator(const std::string& w) { return w == "--" || w == "+"; }

[[noreturn]] void throw_unknown(const CommandTable& table, const std::string& word) {
  std::string hint = did_you_mean(word, table.words());
  if (hint.empty()) hint = "run 'mpytool --help' for the list of commands";
  throw UsageError(fmt::format("unknown command '{}'", word), hint);
}

}  // namespace

std::vector<std::vector<std::string>> split_groups(const std::vector<std::string>& words) {
  std::vector<std::vector<std::string>> groups(1);
  for (const auto& w : words) {
    if (is_separator(w)) {
      groups.emplace_back();
    } else {
      groups.back().push_back(w);
    }
  }
  std::vector<std::vector<std::string>> out;
  for (auto& g : groups) {
    if (!g.empty()) out.push_back(std::move(g));
  }
  return out;
}

Dispatcher::Dispatcher(const CommandTable& table, const GlobalOptions& globals, Output& output,
                       std::vector<std::filesystem::path> plugin_path)
    : table_(table), globals_(globals), output_(output), plugin_path_(std::move(plugin_path)) {}

int Dispatcher::run(const std::vector<std::string>& words) {
  // An unknown first word may be an external `mpytool-<word>`; it gets every word after it.
  if (!words.empty() && !is_separator(words.front())) {
    auto m = table_.resolve(words, 0);
    if (!m.entry) {
      auto exe = find_external_command(words.front());
      if (exe.empty()) throw_unknown(table_, words.front());
      std::vector<std::string> args(words.begin() + 1, words.end());
      bool inherit = &output_.out() == &std::cout && &output_.err() == &std::cerr;
      output_.out().flush();
      output_.err().flush();
      return run_external_command(exe, args, external_environment(globals_, plugin_path_),
                                  output_.out(), output_.err(), inherit);
    }
  }

  std::vector<Step> steps;
  for (const auto& group : split_groups(words)) {
    std::size_t pos = 0;
    while (pos < group.size()) {
      auto m = table_.resolve(group, pos);
      if (!m.entry) throw_unknown(table_, group[pos]);
      pos += m.words;
      std::vector<std::string> rest(group.begin() + static_cast<std::ptrdiff_t>(pos), group.end());
      CommandArgs parsed = parse_command_args(m.entry->display, m.entry->info, rest);
      if (parsed.help) {
        print_command_help(output_.out(), *m.entry);
        return 0;
      }
      pos += parsed.consumed;
      steps.push_back({m.entry, std::move(parsed.args)});
    }
  }

  AppContext ctx(globals_, output_);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    throw_if_interrupted();
    const Step& step = steps[i];
    ctx.set_more_commands_follow(i + 1 < steps.size());
    ctx.provide(step.entry->info.needs);
    for (const auto& cap : step.entry->info.requires_caps) {
      if (!ctx.has_capability(cap)) {
        throw CapabilityError(fmt::format("'{}' needs '{}', which this board does not have",
                                          step.entry->display, cap));
      }
    }
    int rc = step.entry->command->run(ctx, step.args);
    throw_if_interrupted();
    if (rc != 0) return rc;
  }
  ctx.finish();
  return 0;
}

}  // namespace mpytool::cli
