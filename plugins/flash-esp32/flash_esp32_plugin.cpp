// SPDX-License-Identifier: MIT
// The flash-esp32 plugin: ESP32 partitions and OTA over libmpytool-flash-esp32. Its `flash`
// needs platform.esp32; the dispatcher routes the flat word here on such boards.
#include "commands.hpp"
#include "mpytool/plugin/plugin.hpp"
#include "mpytool/transfer/options.hpp"

namespace mpytool::flash_esp32 {
namespace {

class FlashEsp32Plugin : public Plugin {
 public:
  PluginInfo info() const override {
    return {"flash-esp32",
            "ESP32 partitions: flash [read|write|erase|ota]",
            {"flash.partitions", "ota.partitions"}};
  }
  void register_commands(CommandRegistry& registry) override {
    // The Python mpytool's global -f and the transfer options, before the command word.
    registry.add_global_option(
        {"force", 'f', OptionSpec::Kind::kFlag, "", "write even past the layout guard", {}, {}});
    for (auto& o : transfer_global_options()) registry.add_global_option(std::move(o));
    registry.add(make_flash_command());
  }
};

}  // namespace
}  // namespace mpytool::flash_esp32

MPYTOOL_PLUGIN(mpytool::flash_esp32::FlashEsp32Plugin, "flash-esp32", "0.1.0")
