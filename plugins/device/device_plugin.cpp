// SPDX-License-Identifier: MIT
// The device plugin: board-level commands over the core API (see README.md for why this is a
// plugin rather than core built-ins).
#include "commands.hpp"
#include "mpytool/plugin/plugin.hpp"

namespace mpytool::device {
namespace {

class DevicePlugin : public Plugin {
 public:
  PluginInfo info() const override {
    return {"device",
            "Board commands: exec, eval, run, info, stop, reset, monitor, repl, rtc, expect, "
            "speedtest, sleep, ports",
            {"device", "device.reset"}};
  }
  void register_commands(CommandRegistry& registry) override {
    registry.add(make_stop_command());
    registry.add(make_reset_command());
    registry.add(make_monitor_command());
    registry.add(make_repl_command());
    registry.add(make_exec_command());
    registry.add(make_eval_command());
    registry.add(make_run_command());
    registry.add(make_info_command());
    registry.add(make_rtc_command());
    registry.add(make_expect_command());
    registry.add(make_speedtest_command());
    registry.add(make_sleep_command());
    registry.add(make_ports_command());
  }
};

}  // namespace
}  // namespace mpytool::device

MPYTOOL_PLUGIN(mpytool::device::DevicePlugin, "device", "0.1.0")
