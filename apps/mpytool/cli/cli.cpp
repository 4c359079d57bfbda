// SPDX-License-Identifier: MIT
// The one catch site: every error is printed once here as `mpytool: error: <message>` (plus a
// `hint:` line) and mapped to its exit code by MpyError::exit_code().
#include "cli.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/global_options.hpp"
#include "cli/help.hpp"
#include "dispatch/builtin_commands.hpp"
#include "dispatch/command_table.hpp"
#include "dispatch/dispatcher.hpp"
#include "dispatch/signals.hpp"
#include "fleet/events.hpp"
#include "loader/plugin_loader.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/base/version.hpp"

namespace mpytool::cli {

namespace {

// Messages name board paths and quote board text: printable() keeps control sequences in them
// from reaching the terminal.
void print_error(std::ostream& err, bool color, const std::string& message,
                 const std::string& hint) {
  err << "mpytool: " << (color ? "\033[1;31merror\033[0m" : "error") << ": "
      << printable(message, LineBreaks::kKeep) << "\n";
  if (!hint.empty()) err << "hint: " << printable(hint, LineBreaks::kKeep) << "\n";
  err.flush();
}

// One line per failure: the board's traceback of the tool's own code (a helper, the agent)
// is internal, so its last line is said; -d shows the whole text (the library's CmdError).
std::pair<std::string, std::string> error_text(const MpyError& e) {
  const auto* c = dynamic_cast<const CmdError*>(&e);
  const std::string what = e.what();
  if (!c || what.find('\n') == std::string::npos || logger().should_log(spdlog::level::debug)) {
    return {what, e.hint()};
  }
  const std::string line = c->exception_line();
  return {"the board raised " + (line.empty() ? std::string("an error") : line),
          "run with -d for the board's traceback"};
}

int report_interrupt(std::ostream& err, Output* output) {
  if (output) output->end_progress();
  err << "Interrupted\n";
  err.flush();
  return static_cast<int>(ExitCode::kInterrupted);
}

/// The global options of \p args and the plugins they name: pass 1 knows only the core's
/// options, enough for --plugin-dir, -d and -q (logging is set up from them); the plugins it
/// finds declare their own global options (-e, -f, -z ...); pass 2 parses everything.
/// \p search_path: the plugin directories, as exported to external commands.
GlobalParse parse_with_plugins(const std::vector<std::string>& args, PluginSet& plugins,
                               std::vector<std::filesystem::path>& search_path, std::ostream& err,
                               bool color) {
  const GlobalParse first = parse_global_options(args, {}, true);
  const GlobalOptions& g1 = first.options;
  setup_logging(g1.debug, g1.verbosity == 0, color);
  search_path = plugin_search_path(g1.plugin_dirs);
  auto warn = [&](const std::string& message) {
    if (g1.verbosity > 0) {
      err << "mpytool: " << (color ? "\033[1;33mwarning\033[0m" : "warning") << ": "
          << printable(message, LineBreaks::kKeep) << "\n";
    }
  };
  plugins.load_directories(search_path, warn);
  GlobalParse parsed = parse_global_options(args, plugin_global_options(plugins, {}));
  if (parsed.options.plugin_dirs != g1.plugin_dirs) {
    // A --plugin-dir after a plugin's option value (`-e '*.pyc' --plugin-dir D`): pass 1
    // stopped at the value. Load what it missed and parse once more.
    std::vector<std::filesystem::path> more;
    for (const auto& d : plugin_search_path(parsed.options.plugin_dirs)) {
      if (std::find(search_path.begin(), search_path.end(), d) == search_path.end()) {
        more.push_back(d);
      }
    }
    plugins.load_directories(more, warn);
    search_path.insert(search_path.end(), more.begin(), more.end());
    parsed = parse_global_options(args, plugin_global_options(plugins, {}));
  }
  plugin_global_options(plugins, warn);  // clashes, once
  if (parsed.options.debug != g1.debug || parsed.options.verbosity != g1.verbosity) {
    setup_logging(parsed.options.debug, parsed.options.verbosity == 0, color);
  }
  return parsed;
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  SignalGuard signals;
  const bool real_stderr = &err == &std::cerr;
  const bool err_tty = real_stderr && ::isatty(STDERR_FILENO);
  const bool color = real_stderr && Output::want_color(err_tty);

  // Declared before everything that may hold plugin objects or plugin-thrown exceptions, so
  // the libraries outlive them all (a library is never unloaded while its objects live).
  PluginSet plugins;
  std::unique_ptr<Output> output;
  EventLog events;
  try {
    std::vector<std::filesystem::path> search_path;
    GlobalParse parsed = parse_with_plugins(args, plugins, search_path, err, color);
    resolve_board_name(parsed.options);
    const GlobalOptions& g = parsed.options;
    // The mpytool processes this one starts (fleet, watch, external commands) get the
    // password from the environment, never on their command line (global_option_args()).
    if (!g.password.empty()) ::setenv("MPYTOOL_PASSWORD", g.password.c_str(), 1);
    output = std::make_unique<Output>(out, err, g.verbosity, color, err_tty);
    if (events.enabled()) {
      output->set_progress_observer([&events](std::string_view text) { events.progress(text); });
    }

    CommandTable table(plugins);
    add_builtin_commands(table);

    if (parsed.help) {
      print_main_help(out, table);
      return 0;
    }
    if (parsed.version) {
      print_version(out, table);
      return 0;
    }
    if (parsed.rest.empty()) {
      // The Python mpytool does nothing without a command; say so instead of staying silent.
      err << "mpytool: no command given; run 'mpytool --help' for the list of commands\n";
      return 0;
    }
    set_run_deadline(g.timeout, "the run");
    Dispatcher dispatcher(table, g, *output, search_path);
    if (events.enabled()) dispatcher.set_event_log(&events);
    int rc = dispatcher.run(parsed.rest);
    out.flush();
    return rc;
  } catch (const MpyError& e) {
    if (timed_out()) {
      if (output) output->end_progress();
      print_error(err, color, timeout_error().what(), {});
      return static_cast<int>(ExitCode::kTimeout);
    }
    if (interrupted()) return report_interrupt(err, output.get());
    if (output) output->end_progress();
    const auto [message, hint] = error_text(e);
    print_error(err, color, message, hint);
    return static_cast<int>(e.exit_code());
  } catch (const std::exception& e) {
    if (timed_out()) {
      print_error(err, color, timeout_error().what(), {});
      return static_cast<int>(ExitCode::kTimeout);
    }
    if (interrupted()) return report_interrupt(err, output.get());
    print_error(err, color, e.what(), {});
    return static_cast<int>(ExitCode::kError);
  }
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return run(args, out, err);
}

}  // namespace mpytool::cli
