// SPDX-License-Identifier: MIT
// `exec [-t SEC] CODE`: run Python code on the board, streaming its output.
#include "commands.hpp"
#include "mpytool/context.hpp"
#include "mpytool/output.hpp"
#include "run_code.hpp"

namespace mpytool::device {
namespace {

class ExecCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "exec";
    i.summary = "Execute Python code on device.";
    i.options.push_back(
        timeout_option("timeout in seconds (default: wait forever; 0: submit only)"));
    i.positionals.push_back({"CODE", "Python code to execute", PositionalSpec::Arity::kOne});
    i.needs = Needs::kRepl;
    return i;
  }
  int run(CommandContext& ctx, const ParsedArgs& args) override {
    Seconds timeout = timeout_arg("exec", args);
    const std::string& code = args.positionals().at(0);
    ctx.out().verbose(1, "EXEC: " + code);
    return run_code(ctx, code, timeout);
  }
};

}  // namespace

std::unique_ptr<Command> make_exec_command() { return std::make_unique<ExecCommand>(); }

}  // namespace mpytool::device
