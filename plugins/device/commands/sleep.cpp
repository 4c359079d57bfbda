// SPDX-License-Identifier: MIT
// `sleep SEC`: pause between chained commands. No connection.
#include <fmt/format.h>
#include <time.h>

#include <cerrno>
#include <cmath>

#include "commands.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/plugin/context.hpp"
#include "run_code.hpp"

namespace mpytool::device {
namespace {

/// Python's str(float): "2.0", "0.5", "1e-05".
std::string python_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

class SleepCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "sleep";
    i.rank = help_rank::kSleep;
    i.summary = "Pause for specified number of seconds.";
    i.positionals.push_back({"seconds", "seconds to sleep (float)", PositionalSpec::Arity::kOne});
    i.needs = Needs::kNothing;
    return i;
  }
  int run(CommandContext& ctx, const ParsedArgs& args) override {
    double seconds = parse_seconds("sleep", args.positionals().at(0));
    ctx.out().verbose(1, fmt::format("SLEEP {}s", python_float(seconds)));
    timespec req{};
    req.tv_sec = static_cast<time_t>(seconds);
    req.tv_nsec = static_cast<long>((seconds - std::floor(seconds)) * 1e9);
    // Ctrl-C interrupts nanosleep (EINTR); the dispatcher then reports Interrupted.
    nanosleep(&req, nullptr);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_sleep_command() { return std::make_unique<SleepCommand>(); }

}  // namespace mpytool::device
