// SPDX-License-Identifier: MIT
// `run [-t SEC] FILE`: run a local Python file on the board.
#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/plugin/context.hpp"
#include "run_code.hpp"

namespace mpytool::device {
namespace {

class RunCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "run";
    i.rank = help_rank::kRun;
    i.summary = "Run local Python file on device.";
    i.options.push_back(
        timeout_option("timeout in seconds (default: wait forever; 0: submit only)"));
    i.positionals.push_back({"local_file", "local .py file", PositionalSpec::Arity::kOne});
    i.options.push_back(guard_option());
    i.needs = Needs::kRepl;
    return i;
  }
  int run(CommandContext& ctx, const ParsedArgs& args) override {
    Seconds timeout = timeout_arg("run", args);
    const std::string& path = args.positionals().at(0);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError(fmt::format("file not found: {}", path));
    std::string code((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ctx.out().verbose(1, fmt::format("RUN: {} ({} bytes)", path, code.size()));
    return run_code(ctx, code, timeout, args.flag("guard"));
  }
};

}  // namespace

std::unique_ptr<Command> make_run_command() { return std::make_unique<RunCommand>(); }

}  // namespace mpytool::device
