// SPDX-License-Identifier: MIT
// The mip plugin: MicroPython packages from micropython-lib, GitHub and private indexes onto
// boards (install, list, uninstall, freeze) and into offline indexes on the host (download).
#include "commands.hpp"
#include "mpytool/plugin/plugin.hpp"

namespace mpytool::mip {
namespace {

class MipPlugin : public Plugin {
 public:
  PluginInfo info() const override {
    return {"mip", "Packages: mip [install|list|uninstall|freeze|download]", {"mip"}};
  }
  void register_commands(CommandRegistry& registry) override { registry.add(make_mip_command()); }
};

}  // namespace
}  // namespace mpytool::mip

MPYTOOL_PLUGIN(mpytool::mip::MipPlugin, "mip", "0.1.0")
