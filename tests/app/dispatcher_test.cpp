// SPDX-License-Identifier: MIT
// mpytool::cli::run in process with captured output: flat and plugin command forms (echo
// fixture via --plugin-dir), `--` and `+` chains, leftover chaining, external mpytool-<x>
// commands, suggestions, usage errors and exit codes, help and completion output.
#include "dispatcher.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "global_options.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/version.hpp"
#include "mpytool/transfer/options.hpp"
#include "mpytool/transfer/size_arg.hpp"
#include "suggest.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kFixtures = MPYTOOL_TEST_FIXTURE_DIR;

/// One in-process run of mpytool.
struct Run {
  int rc = -1;
  std::string out, err;
};

Run mpytool_run(std::vector<std::string> args, bool with_fixtures = true) {
  if (with_fixtures) args.insert(args.begin(), {"--plugin-dir", kFixtures});
  std::ostringstream out, err;
  Run r;
  r.rc = mpytool::cli::run(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// Sets an environment variable for one scope.
struct ScopedEnv {
  std::string name;
  std::string old;
  bool had;
  ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) {
    const char* o = getenv(name.c_str());
    had = o != nullptr;
    if (had) old = o;
    setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had) {
      setenv(name.c_str(), old.c_str(), 1);
    } else {
      unsetenv(name.c_str());
    }
  }
};

}  // namespace

// The fixture plugin is built for the next ABI version (tests/fixtures/abi_mismatch_plugin.cpp).
inline std::string abi_mismatch_text() {
  return "built for plugin ABI " + std::to_string(mpytool::kPluginAbiVersion + 1) +
         ", this mpytool has " + std::to_string(mpytool::kPluginAbiVersion);
}

BOOST_AUTO_TEST_SUITE(dispatcher_test)

BOOST_AUTO_TEST_CASE(flat_command_form) {
  Run r = mpytool_run({"echo", "hello", "world"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == "hello world\n");
}

BOOST_AUTO_TEST_CASE(plugin_command_form_with_option) {
  Run r = mpytool_run({"echo", "echo", "-u", "hi"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == "HI\n");
}

BOOST_AUTO_TEST_CASE(broken_fixtures_are_warned_not_fatal) {
  Run r = mpytool_run({"echo", "x"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(contains(r.err, "mpytool: warning: skipping '"));
  BOOST_TEST(contains(r.err, abi_mismatch_text()));
}

BOOST_AUTO_TEST_CASE(dash_dash_and_plus_chains) {
  Run a = mpytool_run({"echo", "a", "--", "echo", "b"});
  BOOST_TEST(a.rc == 0);
  BOOST_TEST(a.out == "a\nb\n");
  Run b = mpytool_run({"echo", "a", "+", "echo", "echo", "-u", "b", "+", "echo", "c"});
  BOOST_TEST(b.rc == 0);
  BOOST_TEST(b.out == "a\nB\nc\n");
}

BOOST_AUTO_TEST_CASE(globals_end_at_double_dash) {
  Run r = mpytool_run({"-q", "--", "echo", "q"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == "q\n");
}

BOOST_AUTO_TEST_CASE(leftover_words_chain_after_chains_leftovers_command) {
  // `ports` (device plugin) takes no positionals, so `echo x` runs after it in the same group.
  Run r = mpytool_run({"ports", "echo", "x"});
  BOOST_TEST(r.rc == 0, r.err);
  BOOST_TEST(r.out.size() >= 2u);
  BOOST_TEST(r.out.substr(r.out.size() - 2) == "x\n");
}

BOOST_AUTO_TEST_CASE(sleep_needs_no_board_and_prints_python_float) {
  Run r = mpytool_run({"sleep", "0", "+", "echo", "done"});
  BOOST_TEST(r.rc == 0, r.err);
  BOOST_TEST(contains(r.err, "SLEEP 0.0s"));
  BOOST_TEST(r.out == "done\n");
  Run q = mpytool_run({"-q", "sleep", "0.01"});
  BOOST_TEST(!contains(q.err, "SLEEP"));
}

BOOST_AUTO_TEST_CASE(external_command_on_path) {
  fs::path dir = fs::temp_directory_path() / ("mpytool-dispatch-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path script = dir / "mpytool-hello";
  {
    std::ofstream f(script);
    f << "#!/bin/sh\necho \"args: $*\"\necho \"port: $MPYTOOL_PORT\"\necho oops >&2\nexit 3\n";
  }
  fs::permissions(script, fs::perms::owner_all);
  const char* old_path = getenv("PATH");
  ScopedEnv path("PATH", dir.string() + ":" + (old_path ? old_path : "/usr/bin:/bin"));
  Run r = mpytool_run({"-p", "/dev/ttyFAKE0", "hello", "x", "--", "y"});
  fs::remove_all(dir);
  BOOST_TEST(r.rc == 3);
  BOOST_TEST(contains(r.out, "args: x -- y"));
  BOOST_TEST(contains(r.out, "port: /dev/ttyFAKE0"));
  BOOST_TEST(contains(r.err, "oops"));
}

BOOST_AUTO_TEST_CASE(unknown_command_exit_2_with_suggestion) {
  Run r = mpytool_run({"ecoh", "x"});
  BOOST_TEST(r.rc == 2);
  BOOST_TEST(contains(r.err, "mpytool: error: unknown command 'ecoh'"));
  BOOST_TEST(contains(r.err, "hint: did you mean 'echo'?"));
  Run u = mpytool_run({"zzqqxx"});
  BOOST_TEST(u.rc == 2);
  BOOST_TEST(contains(u.err, "unknown"));
  BOOST_TEST(!contains(u.err, "did you mean"));
}

BOOST_AUTO_TEST_CASE(unknown_command_later_in_chain_is_usage_error_and_nothing_runs) {
  Run r = mpytool_run({"echo", "a", "--", "nosuchcmd"});
  BOOST_TEST(r.rc == 2);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(contains(r.err, "unknown command 'nosuchcmd'"));
}

BOOST_AUTO_TEST_CASE(bad_options_exit_2) {
  Run g = mpytool_run({"--bogus", "echo"});
  BOOST_TEST(g.rc == 2);
  BOOST_TEST(contains(g.err, "mpytool: error: "));
  Run c = mpytool_run({"echo", "--bogus"});
  BOOST_TEST(c.rc == 2);
  BOOST_TEST(contains(c.err, "echo: unrecognised option '--bogus'"));
  Run s = mpytool_run({"-c", "32", "echo"});
  BOOST_TEST(s.rc == 2);
  Run missing = mpytool_run({"sleep"});
  BOOST_TEST(missing.rc == 2);
  BOOST_TEST(contains(missing.err, "sleep: missing argument"));
}

BOOST_AUTO_TEST_CASE(port_and_address_together_is_an_error) {
  Run r = mpytool_run({"-p", "/dev/ttyACM0", "-a", "10.0.0.1", "echo", "x"});
  BOOST_TEST(r.rc == 2);
  BOOST_TEST(contains(r.err, "You can select only serial port or network address"));
  BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_CASE(help_and_version_exit_0_on_stdout) {
  Run h = mpytool_run({"--help"});
  BOOST_TEST(h.rc == 0);
  BOOST_TEST(contains(h.out, "usage:"));
  BOOST_TEST(contains(h.out, "echo"));
  BOOST_TEST(contains(h.out, "exec"));  // the device plugin's commands are listed too
  Run v = mpytool_run({"-V"});
  BOOST_TEST(v.rc == 0);
  BOOST_TEST(v.out.rfind("mpytool ", 0) == 0u);
  Run help_cmd = mpytool_run({"help", "echo"});
  BOOST_TEST(help_cmd.rc == 0);
  BOOST_TEST(contains(help_cmd.out, "usage: mpytool echo [-u] [WORD...]"));
  BOOST_TEST(contains(help_cmd.out, "--upper"));
  Run flag = mpytool_run({"echo", "--help"});
  BOOST_TEST(flag.rc == 0);
  BOOST_TEST(flag.out == help_cmd.out);
  Run plugin_form = mpytool_run({"help", "echo", "echo"});
  BOOST_TEST(plugin_form.out == help_cmd.out);
  Run exec_help = mpytool_run({"exec", "--help"});
  BOOST_TEST(exec_help.rc == 0);
  BOOST_TEST(contains(exec_help.out, "usage: mpytool exec [-t SEC] [--guard] CODE"));
}

BOOST_AUTO_TEST_CASE(no_command_does_nothing_with_a_hint) {
  Run r = mpytool_run({});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(contains(r.err, "no command given"));
}

BOOST_AUTO_TEST_CASE(failed_plugin_command_is_plugin_error) {
  Run r = mpytool_run({"boom"});
  BOOST_TEST(r.rc == 6);
  BOOST_TEST(contains(r.err, "plugin 'throwing' could not be loaded: "));
  Run p = mpytool_run({"throwing", "boom"});
  BOOST_TEST(p.rc == 6);
}

BOOST_AUTO_TEST_CASE(plugins_lists_loaded_and_failed) {
  Run r = mpytool_run({"plugins"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(contains(r.out, "echo 1.2.3"));
  BOOST_TEST(contains(r.out, "commands: echo"));
  BOOST_TEST(contains(r.out, "provides: test.echo"));
  BOOST_TEST(contains(r.out, "status:   failed: built for plugin ABI " +
                                 std::to_string(mpytool::kPluginAbiVersion + 1)));
}

BOOST_AUTO_TEST_CASE(completion_commands) {
  Run c = mpytool_run({"_commands"});
  BOOST_TEST(c.rc == 0);
  BOOST_TEST(contains(c.out, "echo:Print the arguments.\n"));
  BOOST_TEST(!contains(c.out, "_commands"));
  Run o = mpytool_run({"_options", "echo"});
  BOOST_TEST(o.out == "--upper:print in upper case::-u\n");  // --long:help:argtype:-short
  Run g = mpytool_run({"_options"});
  BOOST_TEST(contains(g.out, "--port:"));
  BOOST_TEST(contains(g.out, ":port:-p\n"));
  BOOST_TEST(!contains(g.out, "--help"));
  Run a = mpytool_run({"_args", "echo"});
  BOOST_TEST(a.out == "word:*:words to print\n");
  Run unknown = mpytool_run({"_options", "nosuch"});
  BOOST_TEST(unknown.rc == 0);
  BOOST_TEST(unknown.out.empty());
}

BOOST_AUTO_TEST_CASE(split_groups_on_separators) {
  using mpytool::cli::split_groups;
  using G = std::vector<std::vector<std::string>>;
  BOOST_TEST((split_groups({}) == G{}));
  BOOST_TEST((split_groups({"a", "b"}) == G{{"a", "b"}}));
  BOOST_TEST((split_groups({"--", "a", "--", "--", "b", "+", "c", "1+2"}) ==
              G{{"a"}, {"b"}, {"c", "1+2"}}));
}

BOOST_AUTO_TEST_CASE(chunk_size_accepts_bytes_and_kilobytes) {
  using mpytool::parse_chunk_size;
  BOOST_TEST(parse_chunk_size("512") == 512);
  BOOST_TEST(parse_chunk_size("512B") == 512);  // the Python mpytool rejected this [BUG]
  BOOST_TEST(parse_chunk_size("4K") == 4096);
  BOOST_TEST(parse_chunk_size("4kb") == 4096);
  BOOST_TEST(parse_chunk_size("128K") == 131072);
  BOOST_CHECK_THROW(parse_chunk_size("32"), mpytool::UsageError);
  BOOST_CHECK_THROW(parse_chunk_size("129K"), mpytool::UsageError);
  BOOST_CHECK_THROW(parse_chunk_size("4M"), mpytool::UsageError);
}

BOOST_AUTO_TEST_CASE(global_options_parse) {
  // What the fs plugin declares: -e and the transfer options.
  std::vector<mpytool::OptionSpec> plugin = mpytool::transfer_global_options();
  plugin.push_back({"exclude", 'e', mpytool::OptionSpec::Kind::kMulti, "EXCLUDE", "x", {}, {}});
  auto p =
      mpytool::cli::parse_global_options({"-vq", "-dd", "--ssl-no-verify", "-a", "h:1", "-Z", "-z",
                                          "-e", "*.txt", "-e*.log", "-c", "4K", "exec", "-p", "x"},
                                         plugin);
  BOOST_TEST(p.options.verbosity == 0);
  BOOST_TEST(p.options.debug == 2);
  BOOST_TEST(p.options.tls.enabled);
  BOOST_TEST(!p.options.tls.verify);
  BOOST_TEST(p.options.address == "h:1");
  BOOST_TEST(p.options.port.empty());  // `-p` after the command word belongs to the command
  const mpytool::ParsedArgs& po = p.options.plugin_options;
  BOOST_TEST(po.flag("compress"));
  BOOST_TEST(po.flag("no-compress"));
  BOOST_TEST((po.values("exclude") == std::vector<std::string>{"*.txt", "*.log"}));
  BOOST_TEST((p.rest == std::vector<std::string>{"exec", "-p", "x"}));
  mpytool::TransferSettings ts = mpytool::apply_transfer_options({}, po);
  BOOST_TEST((ts.compress == std::optional<bool>(false)));  // -Z wins over -z
  BOOST_TEST(*ts.chunk_size == 4096);

  // Without the plugin's declarations -e is unknown; the tolerant first pass skips it (and
  // then takes its value for the command word, which is all it needs for --plugin-dir).
  BOOST_CHECK_THROW(mpytool::cli::parse_global_options({"-e", "*.txt", "ls"}), mpytool::UsageError);
  auto first =
      mpytool::cli::parse_global_options({"--plugin-dir", "/p", "-e", "x", "ls"}, {}, true);
  BOOST_TEST((first.options.plugin_dirs == std::vector<std::string>{"/p"}));
  // A value outside an option's choices.
  try {
    mpytool::cli::parse_global_options({"--transfer", "fast", "ls"}, plugin);
    BOOST_FAIL("no error");
  } catch (const mpytool::UsageError& e) {
    BOOST_TEST(std::string(e.what()) ==
               "invalid value 'fast' for --transfer (auto, stream, text, webrepl)");
  }
}

BOOST_AUTO_TEST_CASE(plugin_dir_after_a_plugin_option_value) {
  // Pass 1 does not know -e and stops at its value; the fixture plugins still load.
  Run r = mpytool_run({"-e", "*.pyc", "--plugin-dir", kFixtures, "echo", "hi"}, false);
  BOOST_TEST(r.rc == 0, r.err);
  BOOST_TEST(r.out == "hi\n");
}

BOOST_AUTO_TEST_CASE(suggestions_by_edit_distance) {
  using mpytool::cli::did_you_mean;
  BOOST_TEST(did_you_mean("exce", {"exec", "eval", "info"}) == "did you mean 'exec'?");
  BOOST_TEST(did_you_mean("xyz", {"exec", "eval"}).empty());
  BOOST_TEST(mpytool::cli::edit_distance("kitten", "sitting") == 3u);
}

// --- capability routing: one word, two plugins (route-a needs fixture.a, route-b fixture.b) ---

/// A profile file declaring \p caps, for routing without a board.
std::string caps_profile(const std::string& name, const std::string& caps) {
  const fs::path p = fs::temp_directory_path() / ("mpytool-route-" + name + ".yaml");
  std::ofstream(p) << "id: " << name << "\ndescription: routing test\ncapabilities: [" << caps
                   << "]\n";
  return p.string();
}

BOOST_AUTO_TEST_CASE(routed_word_runs_the_plugin_whose_capability_holds) {
  Run a = mpytool_run({"--profile", caps_profile("only-a", "fixture.a"), "probe", "x"});
  BOOST_TEST(a.rc == 0, a.err);
  BOOST_TEST(a.out == "probe from route-a x\n");
  Run b = mpytool_run({"--profile", caps_profile("only-b", "fixture.b"), "probe", "--loud"});
  BOOST_TEST(b.rc == 0, b.err);
  BOOST_TEST(b.out == "PROBE FROM route-b\n");
  // Both hold: the first in load order.
  Run both = mpytool_run({"--profile", caps_profile("both", "fixture.b, fixture.a"), "probe"});
  BOOST_TEST(both.out == "probe from route-a\n");
}

BOOST_AUTO_TEST_CASE(explicit_plugin_form_bypasses_routing) {
  Run r = mpytool_run({"--profile", caps_profile("only-a2", "fixture.a"), "route-b", "probe"});
  BOOST_TEST(r.rc == 6);  // route-b's probe needs fixture.b
  BOOST_TEST(contains(r.err, "'route-b probe' needs 'fixture.b', which this board does not have"),
             r.err);
}

BOOST_AUTO_TEST_CASE(no_plugin_serves_the_board_names_what_each_needs) {
  Run r = mpytool_run({"--profile", caps_profile("none", ""), "probe"});
  BOOST_TEST(r.rc == 6);
  BOOST_TEST(contains(r.err, "mpytool: error: no plugin serves 'probe' on this board"), r.err);
  BOOST_TEST(contains(r.err, "hint: route-a needs fixture.a, route-b needs fixture.b"), r.err);
}

BOOST_AUTO_TEST_CASE(routed_word_in_a_chain_and_in_help_and_plugins) {
  Run r = mpytool_run(
      {"--profile", caps_profile("chain", "fixture.b"), "probe", "one", "--", "probe", "two"});
  BOOST_TEST(r.out == "probe from route-b one\nprobe from route-b two\n");
  Run h = mpytool_run({"help", "probe"});
  BOOST_TEST(h.rc == 0);
  BOOST_TEST(contains(h.out, "mpytool route-a probe  (needs fixture.a)"), h.out);
  BOOST_TEST(contains(h.out, "mpytool route-b probe  (needs fixture.b)"), h.out);
  Run p = mpytool_run({"plugins"});
  BOOST_TEST(contains(p.out, "  needs:    probe: fixture.a\n"), p.out);
  BOOST_TEST(contains(p.out, "  needs:    probe: fixture.b\n"), p.out);
}

BOOST_AUTO_TEST_CASE(routed_word_is_listed_once) {
  Run h = mpytool_run({"--help"});
  BOOST_TEST(h.rc == 0);
  const std::string commands = h.out.substr(h.out.find("\ncommands:\n"));
  std::size_t rows = 0;
  for (std::size_t p = commands.find("\n  probe "); p != std::string::npos;
       p = commands.find("\n  probe ", p + 1)) {
    ++rows;
  }
  BOOST_TEST(rows == 1u, h.out);
  Run c = mpytool_run({"_commands"});
  BOOST_TEST(c.out.find("probe:") == c.out.rfind("probe:"), c.out);
  // `probe --help` is `help probe`: which plugin the board picks, then each one's help.
  Run flag = mpytool_run({"probe", "--help"});
  BOOST_TEST(flag.rc == 0);
  BOOST_TEST(flag.out == mpytool_run({"help", "probe"}).out);
}

BOOST_AUTO_TEST_CASE(plugin_help_flag_lists_its_commands) {
  for (const char* flag : {"--help", "-h"}) {
    Run r = mpytool_run({"device", flag});
    BOOST_TEST(r.rc == 0, r.err);
    BOOST_TEST(r.out == mpytool_run({"help", "device"}).out);
    BOOST_TEST(contains(r.out, "usage: mpytool device <command> [args]"), r.out);
    BOOST_TEST(contains(r.out, "  exec "), r.out);
  }
}

BOOST_AUTO_TEST_CASE(verbosity_flags_after_a_command_name) {
  // Every command takes the global -v / -q after its name, for itself alone.
  Run q = mpytool_run({"sleep", "0", "-q", "--", "sleep", "0"});
  BOOST_TEST(q.rc == 0, q.err);
  std::size_t lines = 0;
  for (std::size_t p = q.err.find("SLEEP"); p != std::string::npos; p = q.err.find("SLEEP", p + 1))
    ++lines;
  BOOST_TEST(lines == 1u, q.err);
  Run v = mpytool_run({"echo", "-v", "hi", "+", "echo", "echo", "-q", "-u", "x"});
  BOOST_TEST(v.rc == 0, v.err);
  BOOST_TEST(v.out == "hi\nX\n");
}

BOOST_AUTO_TEST_SUITE_END()
