// SPDX-License-Identifier: MIT
// `exec [-t SEC] CODE`: run Python code on the board, streaming its output.
#include <algorithm>
#include <string>

#include "commands.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/plugin/context.hpp"
#include "run_code.hpp"

namespace mpytool::device {
namespace {

/// The header shows multi-line or long code as its first line and a line count; -v shows it all.
std::string code_summary(const std::string& code) {
  const auto nl = code.find('\n');
  std::string first = code.substr(0, std::min(nl, std::size_t{60}));
  if (nl == std::string::npos && code.size() <= 60) return code;
  const auto lines = std::count(code.begin(), code.end(), '\n') + (code.back() == '\n' ? 0 : 1);
  return first + " ... (" + std::to_string(lines) + (lines == 1 ? " line)" : " lines)");
}

class ExecCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "exec";
    i.rank = help_rank::kExec;
    i.summary = "Execute Python code on device.";
    i.options.push_back(
        timeout_option("timeout in seconds (default: wait forever; 0: submit only)"));
    i.positionals.push_back({"CODE", "Python code to execute", PositionalSpec::Arity::kOne});
    i.options.push_back(guard_option());
    i.needs = Needs::kRepl;
    return i;
  }
  int run(CommandContext& ctx, const ParsedArgs& args) override {
    Seconds timeout = timeout_arg("exec", args);
    const std::string& code = args.positionals().at(0);
    if (ctx.out().verbosity() >= 2)
      ctx.out().verbose(2, "EXEC: " + code);
    else
      ctx.out().verbose(1, "EXEC: " + code_summary(code));
    return run_code(ctx, code, timeout, args.flag("guard"));
  }
};

}  // namespace

std::unique_ptr<Command> make_exec_command() { return std::make_unique<ExecCommand>(); }

}  // namespace mpytool::device
