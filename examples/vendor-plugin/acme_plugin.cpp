// SPDX-License-Identifier: MIT
// A vendor's plugin for mpytool, built out of tree against the installed SDK: one command,
// `mpytool acme selftest`, that needs the board capability acme.board (declared by the
// vendor's board profile), loads an embedded MicroPython helper and reports its checks.
#include <fmt/format.h>

#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/command.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/plugin/plugin.hpp"
#include "mpytool/repl/mpy_comm.hpp"

// The helpers embedded by mpytool_add_plugin(HELPERS ...): namespace mpytool::plugin_<name>.
namespace mpytool::plugin_acme {
std::string_view helper_source(std::string_view name);
}

namespace {

class SelftestCommand : public mpytool::Command {
 public:
  mpytool::CommandInfo info() const override {
    mpytool::CommandInfo i;
    i.name = "selftest";
    i.summary = "Run Acme's board self-test (memory, flash, clock).";
    i.needs = mpytool::Needs::kRepl;   // the dispatcher connects and enters the raw REPL
    i.requires_caps = {"acme.board"};  // and checks the board (its profile) has this
    return i;
  }
  int run(mpytool::CommandContext& ctx, const mpytool::ParsedArgs&) override {
    mpytool::Mpy& mpy = ctx.mpy();
    mpy.register_helper("acme_selftest",
                        std::string(mpytool::plugin_acme::helper_source("acme_selftest")));
    mpy.load_helper("acme_selftest");
    const std::string out = mpy.comm().exec("_acme_selftest()", 30.0);
    int failed = 0, checks = 0;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      ++checks;
      if (line.find(" FAIL") != std::string::npos) ++failed;
      ctx.out().out() << "  " << line << "\n";
    }
    if (failed) {
      throw mpytool::DeviceError(fmt::format("selftest: {} of {} checks failed", failed, checks));
    }
    ctx.out().out() << fmt::format("selftest: ok ({} checks)\n", checks);
    return 0;
  }
};

class AcmePlugin : public mpytool::Plugin {
 public:
  mpytool::PluginInfo info() const override {
    return {"acme", "Acme board tools (vendor example)", {"acme.selftest"}};
  }
  void register_commands(mpytool::CommandRegistry& registry) override {
    registry.add(std::make_unique<SelftestCommand>());
  }
};

}  // namespace

MPYTOOL_PLUGIN(AcmePlugin, "acme", "1.0.0")
