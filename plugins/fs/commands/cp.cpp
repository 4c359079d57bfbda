// SPDX-License-Identifier: MIT
// Placeholder until the command is implemented.
#include "commands.hpp"
#include "mpytool/error.hpp"

namespace mpytool::fs {
namespace {
class StubCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "cp";
    i.summary = "(not implemented yet)";
    return i;
  }
  int run(CommandContext&, const ParsedArgs&) override { throw MpyError("not implemented"); }
};
}  // namespace
std::unique_ptr<Command> make_cp_command() { return std::make_unique<StubCommand>(); }
}  // namespace mpytool::fs
