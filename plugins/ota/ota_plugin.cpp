// SPDX-License-Identifier: MIT
// The ota plugin: firmware updates over the link with reset, health check, confirm and
// rollback detection, over libmpytool-ota. Its `ota` needs platform.esp32.
#include "commands.hpp"
#include "mpytool/plugin/plugin.hpp"
#include "mpytool/transfer/options.hpp"

namespace mpytool::ota {
namespace {

class OtaPlugin : public Plugin {
 public:
  PluginInfo info() const override {
    return {"ota", "Firmware update: ota [write|status|confirm|rollback]", {"ota"}};
  }
  void register_commands(CommandRegistry& registry) override {
    // The Python mpytool's global -f and the transfer options, before the command word.
    registry.add_global_option(
        {"force", 'f', OptionSpec::Kind::kFlag, "", "write even past the layout guard", {}, {}});
    for (auto& o : transfer_global_options()) registry.add_global_option(std::move(o));
    registry.add(make_ota_command());
  }
};

}  // namespace
}  // namespace mpytool::ota

MPYTOOL_PLUGIN(mpytool::ota::OtaPlugin, "ota", "0.1.0")
