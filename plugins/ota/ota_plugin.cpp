// SPDX-License-Identifier: MIT
// The ota plugin: firmware updates over the link with reset, health check, confirm and
// rollback detection, over libmpytool-ota. Its `ota` needs platform.esp32.
#include "commands.hpp"
#include "mpytool/plugin.hpp"

namespace mpytool::ota {
namespace {

class OtaPlugin : public Plugin {
 public:
  PluginInfo info() const override {
    return {"ota", "Firmware update: ota write, status, confirm, rollback", {"ota"}};
  }
  void register_commands(CommandRegistry& registry) override { registry.add(make_ota_command()); }
};

}  // namespace
}  // namespace mpytool::ota

MPYTOOL_PLUGIN(mpytool::ota::OtaPlugin, "ota", "0.1.0")
