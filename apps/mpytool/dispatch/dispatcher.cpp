// SPDX-License-Identifier: MIT
#include "dispatcher.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "cli/global_options.hpp"
#include "cli/help.hpp"
#include "cli/option_parser.hpp"
#include "cli/suggest.hpp"
#include "dispatch/context.hpp"
#include "dispatch/external_command.hpp"
#include "dispatch/signals.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/base/output.hpp"

namespace mpytool::cli {

namespace {

/// A command's own -v / -q for the time it runs (connecting for it included): the output's
/// verbosity and, for -q, the log level, as the global flags set them.
class VerbosityScope {
 public:
  VerbosityScope(Output& output, std::optional<int> verbosity)
      : output_(output), saved_(output.verbosity()), level_(logger().level()) {
    if (!verbosity) return;
    output_.set_verbosity(*verbosity);
    if (*verbosity == 0) logger().set_level(std::max(level_, spdlog::level::err));
  }
  ~VerbosityScope() {
    output_.set_verbosity(saved_);
    logger().set_level(level_);
  }
  VerbosityScope(const VerbosityScope&) = delete;
  VerbosityScope& operator=(const VerbosityScope&) = delete;

 private:
  Output& output_;
  int saved_;
  spdlog::level::level_enum level_;
};

/// "flash-esp32 needs platform.esp32, flash-rp2 needs platform.rp2".
std::string needs_list(const Step& step) {
  std::vector<std::string> parts;
  for (const auto& [e, args] : step.choices) {
    parts.push_back(fmt::format("{} needs {}", e->plugin, fmt::join(e->info.requires_caps, " + ")));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

bool is_separator(const std::string& w) { return w == "--" || w == "+"; }

/// `mpytool <plugin> --help` (or -h) for a plugin without a command of its own name: the
/// plugin's commands.
bool plugin_help_request(const CommandTable& table, const std::vector<std::string>& words,
                         std::size_t pos) {
  return pos + 1 < words.size() && (words[pos + 1] == "--help" || words[pos + 1] == "-h") &&
         table.is_plugin(words[pos]) && table.offering(words[pos]).empty() &&
         !table.find(words[pos], words[pos + 1]);
}

[[noreturn]] void throw_unknown(const CommandTable& table, const std::string& word) {
  std::string hint = did_you_mean(word, table.words());
  if (hint.empty()) hint = "run 'mpytool --help' for the list of commands";
  throw UsageError(fmt::format("unknown command '{}'", word), hint);
}

// Provides what the command needs and picks the one whose device capabilities hold: the only
// choice, or for a routed word the first candidate (in plugin load order) the board serves.
// A board reset names the command; a command that resumes runs once more (the board is back
// in its friendly REPL: the next exchange enters the raw REPL again).
int run_resuming(AppContext& ctx, const CommandEntry& entry, const ParsedArgs& args,
                 const std::string& word, bool no_resume) {
  const auto& subs = entry.info.resuming_subcommands;
  const std::string sub = args.positionals().empty() ? "" : args.positionals().front();
  const bool resumes = entry.info.resumes_after_reset &&
                       (subs.empty() || std::find(subs.begin(), subs.end(), sub) != subs.end());
  const std::string what = subs.empty() || sub.empty() ? word : word + " " + sub;
  const auto named = [&what](const BoardReset& e) {
    std::string m = e.what();
    const std::string head = "the board reset";
    if (m.rfind(head, 0) == 0) m.insert(head.size(), fmt::format(" during '{}'", what));
    return BoardReset(m);
  };
  // A TCP link that breaks is opened again (--retries, or once for a command that resumes).
  int retries = ctx.reconnectable() ? ctx.options().retries.value_or(resumes ? 1 : 0) : 0;
  bool reset_resumed = false;
  for (;;) {
    try {
      return entry.command->run(ctx, args);
    } catch (const BoardReset& e) {
      if (!resumes || no_resume || reset_resumed || interrupted()) throw named(e);
      reset_resumed = true;
      logger().warn("{}; resuming", named(e).what());
    } catch (const ConnLost& e) {
      if (retries <= 0 || interrupted()) throw;
      --retries;
      logger().warn("{} during '{}'; connecting again", e.what(), what);
      ctx.reconnect();
    }
  }
}

const std::pair<const CommandEntry*, ParsedArgs>& route(AppContext& ctx, const Step& step) {
  for (const auto& choice : step.choices) {
    const CommandEntry* e = choice.first;
    ctx.provide(e->info.needs);
    const auto missing =
        std::find_if(e->info.requires_caps.begin(), e->info.requires_caps.end(),
                     [&](const std::string& cap) { return !ctx.has_capability(cap); });
    if (missing == e->info.requires_caps.end()) return choice;
    if (step.choices.size() == 1) {
      // The plugin form names the plugin even where the flat word is routed.
      const std::string shown =
          step.word == e->info.name ? e->display : e->plugin + " " + e->info.name;
      throw CapabilityError(
          fmt::format("'{}' needs '{}', which this board does not have", shown, *missing));
    }
  }
  throw CapabilityError(fmt::format("no plugin serves '{}' on this board", step.word),
                        needs_list(step));
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
  if (plugin_help_request(table_, words, 0)) {
    print_plugin_help(output_.out(), table_, words[0]);
    return 0;
  }
  if (!words.empty() && !is_separator(words.front())) {
    const CommandTable::Match m = table_.resolve(words, 0);
    if (!m.entry) return run_external(words);
    if (m.entry->info.takes_rest) return run_taking_rest(*m.entry, m.words, words);
  }
  std::optional<std::vector<Step>> steps = plan(words);
  return steps ? run_steps(*steps) : 0;
}

int Dispatcher::run_external(const std::vector<std::string>& words) {
  // An unknown first word may be an external `mpytool-<word>`; it gets every word after it.
  auto exe = find_external_command(words.front());
  if (exe.empty()) throw_unknown(table_, words.front());
  std::vector<std::string> args(words.begin() + 1, words.end());
  bool inherit = &output_.out() == &std::cout && &output_.err() == &std::cerr;
  output_.out().flush();
  output_.err().flush();
  return run_external_command(exe, args, external_environment(globals_, plugin_path_),
                              output_.out(), output_.err(), inherit);
}

int Dispatcher::run_taking_rest(const CommandEntry& entry, std::size_t skip,
                                const std::vector<std::string>& words) {
  // A command that takes the rest of the line (fleet): its options, then the words after the
  // first `--`, whatever they are.
  auto sep = std::find_if(words.begin() + static_cast<std::ptrdiff_t>(skip), words.end(),
                          [](const std::string& w) { return is_separator(w); });
  std::vector<std::string> own(words.begin() + static_cast<std::ptrdiff_t>(skip), sep);
  CommandArgs parsed = parse_command_args(entry.display, entry.info, own);
  if (parsed.help) {
    print_command_help(output_.out(), entry, table_);
    return 0;
  }
  // Only a command that declares positionals of its own besides the chain takes words
  // before the `--` (watch LOCAL :DST -- <chain>); they come first, then "--" and the chain.
  const bool own_words = entry.info.positionals.size() > 1;
  if (!own_words && !parsed.args.positionals().empty()) {
    throw UsageError(fmt::format("{}: unexpected '{}' (the chain goes after --)", entry.display,
                                 parsed.args.positionals().front()));
  }
  if (sep != words.end()) {
    if (own_words) parsed.args.add_positional("--");
    for (auto it = sep + 1; it != words.end(); ++it) parsed.args.add_positional(*it);
  }
  VerbosityScope verbosity(output_, parsed.verbosity);
  AppContext ctx(globals_, output_);
  const int rc = entry.command->run(ctx, parsed.args);
  ctx.finish();
  return rc;
}

std::optional<std::vector<Step>> Dispatcher::plan(const std::vector<std::string>& words) const {
  std::vector<Step> steps;
  for (const auto& group : split_groups(words)) {
    std::size_t pos = 0;
    while (pos < group.size()) {
      std::optional<Step> step = plan_step(group, pos);
      if (!step) return std::nullopt;
      steps.push_back(std::move(*step));
    }
  }
  return steps;
}

std::optional<Step> Dispatcher::plan_step(const std::vector<std::string>& group,
                                          std::size_t& pos) const {
  if (plugin_help_request(table_, group, pos)) {
    print_plugin_help(output_.out(), table_, group[pos]);
    return std::nullopt;
  }
  auto m = table_.resolve(group, pos);
  if (!m.entry) throw_unknown(table_, group[pos]);
  Step step;
  step.word = group[pos];
  pos += m.words;
  std::vector<std::string> rest(group.begin() + static_cast<std::ptrdiff_t>(pos), group.end());
  const std::vector<const CommandEntry*> options =
      m.candidates.empty() ? std::vector<const CommandEntry*>{m.entry} : m.candidates;
  // Every candidate parses the words its own way; the first failure is reported only when
  // no candidate accepts them.
  std::optional<UsageError> first_error;
  std::size_t consumed = 0;
  for (const CommandEntry* e : options) {
    try {
      CommandArgs parsed = parse_command_args(e->display, e->info, rest);
      if (parsed.help) {
        if (options.size() > 1) {
          print_routed_help(output_.out(), step.word, options);
        } else {
          print_command_help(output_.out(), *e, table_);
        }
        return std::nullopt;
      }
      if (step.choices.empty()) {
        consumed = parsed.consumed;
        step.verbosity = parsed.verbosity;
      }
      step.choices.emplace_back(e, std::move(parsed.args));
    } catch (const UsageError& err) {
      if (!first_error) first_error = err;
    }
  }
  if (step.choices.empty()) throw *first_error;
  pos += consumed;
  return step;
}

int Dispatcher::run_steps(const std::vector<Step>& steps) {
  AppContext ctx(globals_, output_);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    throw_if_interrupted();
    ctx.set_more_commands_follow(i + 1 < steps.size());
    if (const int rc = run_step(ctx, steps[i], i); rc != 0) return rc;
  }
  ctx.finish();
  return 0;
}

int Dispatcher::run_step(AppContext& ctx, const Step& step, std::size_t i) {
  if (events_) events_->step_start(i, step.word);
  int rc = 0;
  VerbosityScope verbosity(output_, step.verbosity);
  try {
    rc = run_routed(ctx, step);
  } catch (const std::exception& e) {
    // Whatever the interrupt made of the command: the deadline is what ended it.
    if (timed_out()) {
      const Timeout t = timeout_error();
      if (events_) {
        events_->step_end(i, step.word, "timeout", static_cast<int>(t.exit_code()), t.what());
      }
      throw t;
    }
    if (events_) {
      const auto* error = dynamic_cast<const MpyError*>(&e);
      events_->step_end(i, step.word, "failed", error ? static_cast<int>(error->exit_code()) : 1,
                        e.what());
    }
    throw;
  }
  const std::string outcome = ctx.take_outcome();
  if (events_) {
    events_->step_end(i, step.word, rc != 0 ? "failed" : outcome.empty() ? "ok" : outcome, rc, "");
  }
  return rc;
}

int Dispatcher::run_routed(AppContext& ctx, const Step& step) {
  // The command's --timeout covers connecting for it too (route() provides the link).
  const auto& [first, first_args] = step.choices.front();
  const auto limit = first->timeout_option ? first_args.value("timeout") : std::nullopt;
  if (limit) set_command_deadline(parse_timeout(*limit), fmt::format("'{}'", step.word));
  const auto& [entry, args] = route(ctx, step);
  const int rc = run_resuming(ctx, *entry, args, step.word, globals_.no_resume);
  if (timed_out()) throw timeout_error();  // a command that ended quietly on the interrupt
  throw_if_interrupted();
  if (limit) set_command_deadline(0, {});
  return rc;
}

}  // namespace mpytool::cli
