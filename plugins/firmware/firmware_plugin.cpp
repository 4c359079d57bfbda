// SPDX-License-Identifier: MIT
// The firmware plugin: firmware files, and putting them on boards that may run no MicroPython
// at all (blank or bricked ESP32s through their ROM bootloader).
#include "commands.hpp"
#include "mpytool/plugin/plugin.hpp"

namespace mpytool::firmware {
namespace {

class FirmwarePlugin : public Plugin {
 public:
  PluginInfo info() const override {
    return {"firmware", "Firmware onto boards: firmware [write|info|chip|erase]", {"firmware.esp"}};
  }
  void register_commands(CommandRegistry& registry) override {
    registry.add(make_firmware_command());
  }
};

}  // namespace
}  // namespace mpytool::firmware

MPYTOOL_PLUGIN(mpytool::firmware::FirmwarePlugin, "firmware", "0.1.0")
