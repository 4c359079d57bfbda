// SPDX-License-Identifier: MIT
// The flash-rp2 plugin: the RP2 user flash over libmpytool-flash-rp2. Its `flash` needs
// platform.rp2; the dispatcher routes the flat word here on such boards.
#include "commands.hpp"
#include "mpytool/plugin/plugin.hpp"
#include "mpytool/transfer/options.hpp"

namespace mpytool::flash_rp2 {
namespace {

class FlashRp2Plugin : public Plugin {
 public:
  PluginInfo info() const override {
    return {"flash-rp2", "RP2 user flash: flash [read|write|erase]", {"flash.user"}};
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
}  // namespace mpytool::flash_rp2

MPYTOOL_PLUGIN(mpytool::flash_rp2::FlashRp2Plugin, "flash-rp2", "0.1.0")
