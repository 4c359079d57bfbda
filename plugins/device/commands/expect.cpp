// SPDX-License-Identifier: MIT
// `expect PATTERN [--timeout S] [--fail PATTERN]...`: wait until the board's output matches a
// regular expression (for CI and hardware-in-the-loop: `reset -- expect "ready"`,
// `exec -t 0 CODE -- expect "PASS" --fail Traceback`). What came is printed as it comes;
// what followed the match stays for the next command of the chain.
#include <fmt/format.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/link/conn.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/repl/mpy_comm.hpp"
#include "run_code.hpp"

namespace mpytool::device {
namespace {

/// At most this much of the output is searched (a pattern spans at most this many bytes).
constexpr std::size_t kWindow = 64 * 1024;

std::regex compile(const std::string& pattern, const char* what) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw UsageError(
        fmt::format("expect: {} '{}' is not a regular expression: {}", what, pattern, e.what()));
  }
}

class ExpectCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "expect";
    i.summary = "Wait until the board's output matches a pattern.";
    i.description =
        "Reads what the board prints (after reset, run/exec -t 0, or a running program) and\n"
        "writes it to stdout until PATTERN (an ECMAScript regular expression) matches: exit 0.\n"
        "No match within --timeout seconds: exit 5. A --fail pattern matching first: exit 1.\n"
        "Output after the match is left for the next command (another expect, monitor).";
    using K = OptionSpec::Kind;
    i.options = {
        timeout_option("give up after SEC seconds (default 10)"),
        {"fail", 0, K::kMulti, "PATTERN", "fail as soon as this pattern matches (repeatable)", {}},
    };
    i.positionals.push_back(
        {"pattern", "regular expression to wait for", PositionalSpec::Arity::kOne});
    i.needs = Needs::kPort;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const std::string pattern = args.positionals().at(0);
    const std::regex want = compile(pattern, "pattern");
    std::vector<std::pair<std::string, std::regex>> fails;
    for (const auto& f : args.values("fail")) fails.emplace_back(f, compile(f, "--fail pattern"));
    const double timeout =
        args.value("timeout") ? parse_seconds("expect", *args.value("timeout")) : 10.0;
    Output& out = ctx.out();
    out.verbose(1, fmt::format("EXPECT /{}/ ({:g} s)", pattern, timeout));

    Mpy& mpy = ctx.mpy();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
    std::string seen;       // the searched window of the output
    std::string rest;       // what followed the match
    std::string failed_on;  // the --fail pattern that matched
    bool matched = false;
    auto on_output = [&](std::string_view chunk) {
      if (matched || !failed_on.empty()) {
        rest += chunk;
        return;
      }
      const std::size_t before = seen.size();
      seen += chunk;
      std::smatch m;
      std::size_t end = std::string::npos;  // end of the first match in `seen`
      for (const auto& [text, re] : fails) {
        if (std::regex_search(seen, m, re)) {
          failed_on = text;
          end = static_cast<std::size_t>(m.position(0) + m.length(0));
          break;
        }
      }
      if (failed_on.empty() && std::regex_search(seen, m, want)) {
        matched = true;
        end = static_cast<std::size_t>(m.position(0) + m.length(0));
      }
      if (end == std::string::npos) {
        out.data(chunk);
        if (seen.size() > kWindow) seen.erase(0, seen.size() - kWindow);
        return;
      }
      // Print up to the end of the match; the rest is the next command's.
      const std::size_t shown = end > before ? end - before : 0;
      out.data(chunk.substr(0, shown));
      rest.assign(chunk.substr(shown));
    };
    mpy.comm().monitor(on_output, true, [&] {
      mpy.service(true);
      return !matched && failed_on.empty() && !ctx.interrupted() &&
             std::chrono::steady_clock::now() < deadline;
    });
    if (!rest.empty()) mpy.conn().unread(rest);
    out.out().flush();
    if (ctx.interrupted()) return 0;  // the dispatcher reports Ctrl-C
    if (!failed_on.empty()) {
      throw MpyError(
          fmt::format("expect: the board printed /{}/ (--fail) before /{}/", failed_on, pattern));
    }
    if (!matched) {
      throw Timeout(fmt::format("expect: /{}/ did not appear within {:g} s", pattern, timeout));
    }
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_expect_command() { return std::make_unique<ExpectCommand>(); }

}  // namespace mpytool::device
