// SPDX-License-Identifier: MIT
// `eval [-t SEC] EXPR`: evaluate an expression on the board and print its repr().
#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/repl/py_value.hpp"
#include "run_code.hpp"

namespace mpytool::device {
namespace {

class EvalCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "eval";
    i.rank = help_rank::kEval;
    i.summary = "Evaluate a Python expression on device and print its value.";
    auto t = timeout_option("timeout in seconds");
    t.default_value = "5";
    i.options.push_back(t);
    i.options.push_back({"json",
                         0,
                         OptionSpec::Kind::kFlag,
                         "",
                         "print {\"value\": <JSON>, \"repr\": <repr>}",
                         {}});
    i.positionals.push_back({"EXPR", "Python expression", PositionalSpec::Arity::kOne});
    i.needs = Needs::kRepl;
    return i;
  }
  int run(CommandContext& ctx, const ParsedArgs& args) override {
    Seconds timeout = timeout_arg("eval", args);
    // The board's repr() travels as a str literal, so any value prints: literals are parsed and
    // re-rendered canonically, other objects (<Pin(2)>, functions) show as the board wrote them.
    const std::string expr = args.positionals().at(0);
    const std::string text =
        ctx.mpy().comm().exec_eval("repr(repr(" + expr + "\n))", timeout).as_str();
    std::string shown = text;
    std::string json = "null";  // not a literal (<Pin(2)>): the repr alone
    try {
      const PyValue v = parse_literal(text);
      shown = v.repr();
      json = to_json(v);
    } catch (const MpyError&) {
    }
    if (args.flag("json")) {
      ctx.out().out() << "{\"value\":" << json << ",\"repr\":" << json_quote(shown) << "}\n";
    } else {
      ctx.out().out() << shown << '\n';
    }
    ctx.out().out().flush();
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_eval_command() { return std::make_unique<EvalCommand>(); }

}  // namespace mpytool::device
