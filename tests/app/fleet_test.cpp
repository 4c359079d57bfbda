// SPDX-License-Identifier: MIT
// Fleet scheduling with a stand-in for mpytool (a shell script): boards that succeed, one that
// fails and one that hangs (ended by --timeout), --jobs, --fail-fast, the report and the
// partial-failure exit code. The integration tests run the real thing on virtual boards.
#include "fleet.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "mpytool/base/output.hpp"
#include "mpytool/plugin/context.hpp"

namespace fs = std::filesystem;

namespace {

/// The stand-in: `fake -p TARGET <globals...> <chain...>` behaves as TARGET says.
const char* kFake = R"(#!/bin/sh
target=$2
ev() { printf '%s\n' "$1" >> "$MPYTOOL_EVENTS"; }
ev '{"event":"step","step":0,"command":"exec","state":"start"}'
case "$target" in
  ok*)
    echo "output of $target"
    ev '{"event":"step","step":0,"command":"exec","state":"ok","seconds":0.010,"exit":0}'
    ev '{"event":"step","step":1,"command":"cp","state":"start"}'
    ev '{"event":"step","step":1,"command":"cp","state":"unchanged","seconds":0.020,"exit":0}'
    exit 0 ;;
  fail*)
    echo "mpytool: error: OSError: [Errno 2] ENOENT" >&2
    ev '{"event":"step","step":0,"command":"exec","state":"failed","seconds":0.010,"exit":4}'
    exit 4 ;;
  hang*)
    exec sleep 30 ;;
esac
exit 1
)";

struct FakeContext : mpytool::CommandContext {
  std::ostringstream out_s, err_s;
  mpytool::Output output{out_s, err_s, 1, false, false};
  mpytool::PluginOptions g;
  mpytool::Mpy& mpy() override { throw std::logic_error("no board"); }
  mpytool::Conn& conn() override { throw std::logic_error("no board"); }
  mpytool::Output& out() override { return output; }
  const mpytool::PluginOptions& globals() const override { return g; }
  bool more_commands_follow() const override { return false; }
  bool has_capability(const std::string&) override { return false; }
  const mpytool::BoardProfile* profile() override { return nullptr; }
};

struct Fake {
  fs::path dir = fs::temp_directory_path() / "mpytool-fleet-unit";
  fs::path exe = dir / "fake-mpytool";
  Fake() {
    fs::create_directories(dir);
    std::ofstream(exe) << kFake;
    fs::permissions(exe, fs::perms::owner_all);
  }
  ~Fake() { fs::remove_all(dir); }
};

mpytool::ParsedArgs fleet_args(const std::vector<std::string>& ports,
                               const std::map<std::string, std::string>& values,
                               const std::vector<std::string>& flags) {
  mpytool::ParsedArgs a;
  for (const auto& p : ports) a.add_value("port", p);
  for (const auto& [k, v] : values) a.add_value(k, v);
  for (const auto& f : flags) a.set_flag(f);
  for (const char* w : {"exec", "print(1)", "--", "cp", "a", ":/"}) a.add_positional(w);
  return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fleet_test)

BOOST_AUTO_TEST_CASE(a_failing_and_a_hanging_board_do_not_stop_the_others) {
  Fake fake;
  auto cmd = mpytool::cli::make_fleet_command(fake.exe);
  FakeContext ctx;
  const int rc = cmd->run(ctx, fleet_args({"ok-1", "fail-1", "hang-1", "ok-2"},
                                          {{"timeout", "1"}, {"jobs", "2"}}, {"json"}));
  BOOST_TEST(rc == mpytool::cli::kFleetPartialFailure);
  const std::string report = ctx.out_s.str();
  // Boards in the order given, each with its status and steps.
  const auto at = [&](const std::string& s) { return report.find(s); };
  BOOST_TEST(at(R"({"board":"ok-1","status":"ok","exit":0)") < at(R"({"board":"fail-1")"));
  BOOST_TEST(at(R"({"board":"fail-1","status":"failed","exit":4)") != std::string::npos, report);
  BOOST_TEST(at(R"({"board":"hang-1","status":"timeout")") != std::string::npos, report);
  BOOST_TEST(at(R"({"board":"ok-2","status":"ok")") != std::string::npos, report);
  BOOST_TEST(at(R"("error":"mpytool: error: OSError: [Errno 2] ENOENT")") != std::string::npos);
  BOOST_TEST(at(R"({"command":"cp","status":"unchanged")") != std::string::npos);
  BOOST_TEST(at(R"({"command":"exec","status":"timeout","seconds":)") != std::string::npos);
  BOOST_TEST(at(R"("output":"output of ok-2\n")") != std::string::npos);
  BOOST_TEST(at(R"("ok":2,"failed":2)") != std::string::npos, report);
}

BOOST_AUTO_TEST_CASE(fail_fast_cancels_the_boards_not_started) {
  Fake fake;
  auto cmd = mpytool::cli::make_fleet_command(fake.exe);
  FakeContext ctx;
  const int rc =
      cmd->run(ctx, fleet_args({"fail-1", "ok-1", "ok-2"}, {{"jobs", "1"}}, {"fail-fast"}));
  BOOST_TEST(rc == mpytool::cli::kFleetPartialFailure);
  const std::string text = ctx.out_s.str();
  BOOST_TEST(text.find("[fail-1] failed in ") != std::string::npos, text);
  BOOST_TEST(text.find("[ok-1]") == std::string::npos, text);  // never started
  BOOST_TEST(text.find("fleet: 0 of 3 boards ok") != std::string::npos, text);
  // The matrix: the failed step, and the error below it.
  BOOST_TEST(text.find("1.exec") != std::string::npos, text);
  BOOST_TEST(text.find("  [fail-1] exec: mpytool: error: OSError") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(all_ok_is_exit_0_and_bad_options_are_usage_errors) {
  Fake fake;
  auto cmd = mpytool::cli::make_fleet_command(fake.exe);
  FakeContext ctx;
  BOOST_TEST(cmd->run(ctx, fleet_args({"ok-1", "ok-2"}, {}, {})) == 0);
  BOOST_TEST(ctx.out_s.str().find("fleet: 2 of 2 boards ok") != std::string::npos);
  FakeContext c2;
  BOOST_CHECK_THROW(cmd->run(c2, fleet_args({"ok-1"}, {{"jobs", "0"}}, {})), mpytool::UsageError);
  BOOST_CHECK_THROW(cmd->run(c2, fleet_args({"ok-1"}, {}, {"json", "events"})),
                    mpytool::UsageError);
  BOOST_CHECK_THROW(cmd->run(c2, fleet_args({}, {}, {})), mpytool::UsageError);
}

BOOST_AUTO_TEST_SUITE_END()
