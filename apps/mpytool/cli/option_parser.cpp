// SPDX-License-Identifier: MIT
#include "option_parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>

#include "cli/suggest.hpp"
#include "mpytool/base/error.hpp"

namespace mpytool::cli {

namespace po = boost::program_options;

namespace {

constexpr const char* kPositionalKey = "\x01positional";

const OptionSpec* find_long(const CommandInfo& info, std::string_view name) {
  for (const auto& o : info.options) {
    if (o.long_name == name) return &o;
  }
  return nullptr;
}

const OptionSpec* find_short(const CommandInfo& info, char c) {
  for (const auto& o : info.options) {
    if (o.short_name == c) return &o;
  }
  return nullptr;
}

bool has_help_option(const CommandInfo& info) { return find_long(info, "help") != nullptr; }

/// How many leading words belong to a chains_leftovers command: options and their values.
std::size_t own_words(const CommandInfo& info, const std::vector<std::string>& words) {
  std::size_t i = 0;
  while (i < words.size()) {
    const std::string& t = words[i];
    if (t.size() < 2 || t[0] != '-') break;
    if (t[1] == '-') {
      auto eq = t.find('=');
      const OptionSpec* o = find_long(info, t.substr(2, eq == std::string::npos ? eq : eq - 2));
      i += (o && o->kind != OptionSpec::Kind::kFlag && eq == std::string::npos) ? 2 : 1;
      continue;
    }
    std::size_t advance = 1;
    for (std::size_t j = 1; j < t.size(); ++j) {
      const OptionSpec* o = find_short(info, t[j]);
      if (o && o->kind != OptionSpec::Kind::kFlag) {
        if (j + 1 == t.size()) advance = 2;
        break;
      }
    }
    i += advance;
  }
  return std::min(i, words.size());
}

std::size_t min_positionals(const CommandInfo& info) {
  std::size_t n = 0;
  for (const auto& p : info.positionals) {
    if (p.arity == PositionalSpec::Arity::kOne || p.arity == PositionalSpec::Arity::kOneOrMore) ++n;
  }
  return n;
}

bool unbounded_positionals(const CommandInfo& info) {
  return std::any_of(info.positionals.begin(), info.positionals.end(), [](const auto& p) {
    return p.arity == PositionalSpec::Arity::kZeroOrMore ||
           p.arity == PositionalSpec::Arity::kOneOrMore;
  });
}

/// Name of the first positional not satisfied by \p given words.
std::string missing_positional(const CommandInfo& info, std::size_t given) {
  std::size_t seen = 0;
  for (const auto& p : info.positionals) {
    if (p.arity == PositionalSpec::Arity::kOne || p.arity == PositionalSpec::Arity::kOneOrMore) {
      if (seen == given) return p.name;
      ++seen;
    }
  }
  return info.positionals.empty() ? "argument" : info.positionals.back().name;
}

/// \p info with -v/--verbose and -q/--quiet (the global flags, given after the command name)
/// unless the command has options of its own with those names.
CommandInfo with_verbosity(const CommandInfo& info) {
  CommandInfo out = info;
  if (!find_long(info, "verbose") && !find_short(info, 'v')) {
    out.options.push_back({"verbose", 'v', OptionSpec::Kind::kFlag, "", "verbose output", {}});
  }
  if (!find_long(info, "quiet") && !find_short(info, 'q')) {
    out.options.push_back({"quiet", 'q', OptionSpec::Kind::kFlag, "", "quiet output", {}});
  }
  return out;
}

}  // namespace

bool help_short_available(const CommandInfo& info) {
  return !has_help_option(info) && find_short(info, 'h') == nullptr;
}

CommandArgs parse_command_args(const std::string& display, const CommandInfo& own_info,
                               const std::vector<std::string>& all_words) {
  const CommandInfo info = with_verbosity(own_info);
  const bool own_verbose = find_long(own_info, "verbose") || find_short(own_info, 'v');
  const bool own_quiet = find_long(own_info, "quiet") || find_short(own_info, 'q');
  CommandArgs result;
  result.consumed = info.chains_leftovers ? own_words(info, all_words) : all_words.size();
  std::vector<std::string> words(all_words.begin(),
                                 all_words.begin() + static_cast<std::ptrdiff_t>(result.consumed));

  if (!has_help_option(info)) {
    bool short_help = help_short_available(info);
    for (const auto& w : words) {
      if (w == "--help" || (short_help && w == "-h")) {
        result.help = true;
        return result;
      }
    }
  }

  po::options_description desc;
  std::vector<std::string> option_words;
  for (const auto& o : info.options) {
    std::string names = o.long_name;
    if (o.short_name) names += std::string(",") + o.short_name;
    option_words.push_back("--" + o.long_name);
    switch (o.kind) {
      case OptionSpec::Kind::kFlag:
        desc.add_options()(names.c_str(), o.help.c_str());
        break;
      case OptionSpec::Kind::kValue:
        desc.add_options()(names.c_str(), po::value<std::string>(), o.help.c_str());
        break;
      case OptionSpec::Kind::kMulti:
        desc.add_options()(names.c_str(), po::value<std::vector<std::string>>(), o.help.c_str());
        break;
    }
  }
  desc.add_options()(kPositionalKey, po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add(kPositionalKey, -1);

  std::vector<po::option> parsed;
  try {
    parsed = po::command_line_parser(words)
                 .options(desc)
                 .positional(positional)
                 .style(po::command_line_style::unix_style ^ po::command_line_style::allow_guessing)
                 .run()
                 .options;
  } catch (const po::unknown_option& e) {
    throw UsageError(fmt::format("{}: {}", display, e.what()),
                     did_you_mean(e.get_option_name(), option_words));
  } catch (const po::error& e) {
    throw UsageError(fmt::format("{}: {}", display, e.what()));
  }

  std::map<std::string, int> counts;
  for (const auto& o : parsed) {
    if (o.string_key == kPositionalKey) {
      for (const auto& v : o.value) result.args.add_positional(v);
      continue;
    }
    const OptionSpec* spec = find_long(info, o.string_key);
    if (!spec) continue;
    // The global -v / -q after the command name: the command's verbosity, not its flag.
    if ((spec->long_name == "verbose" && !own_verbose) ||
        (spec->long_name == "quiet" && !own_quiet)) {
      const int level = spec->long_name == "quiet" ? 0 : 2;
      // -q wins over -v, as for the global flags.
      if (!result.verbosity || level == 0) result.verbosity = level;
      continue;
    }
    switch (spec->kind) {
      case OptionSpec::Kind::kFlag:
        result.args.set_flag(spec->long_name, ++counts[spec->long_name]);
        break;
      case OptionSpec::Kind::kValue:
        if (++counts[spec->long_name] > 1) {
          throw UsageError(fmt::format("{}: option '--{}' cannot be specified more than once",
                                       display, spec->long_name));
        }
        result.args.add_value(spec->long_name, o.value.empty() ? "" : o.value.front());
        break;
      case OptionSpec::Kind::kMulti:
        ++counts[spec->long_name];
        for (const auto& v : o.value) result.args.add_value(spec->long_name, v);
        break;
    }
  }
  for (const auto& o : info.options) {
    if (o.kind == OptionSpec::Kind::kValue && o.default_value && counts[o.long_name] == 0) {
      result.args.add_value(o.long_name, *o.default_value);
    }
  }

  const std::size_t given = result.args.positionals().size();
  if (given < min_positionals(info)) {
    throw UsageError(
        fmt::format("{}: missing argument {}", display, missing_positional(info, given)),
        fmt::format("see 'mpytool {} --help'", display));
  }
  if (!unbounded_positionals(info) && given > info.positionals.size()) {
    throw UsageError(fmt::format("{}: unexpected argument '{}'", display,
                                 result.args.positionals()[info.positionals.size()]),
                     fmt::format("see 'mpytool {} --help'", display));
  }
  return result;
}

}  // namespace mpytool::cli
