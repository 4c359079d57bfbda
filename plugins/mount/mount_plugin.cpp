// SPDX-License-Identifier: MIT
// The mount plugin: host directories mounted on the board for the whole command chain (mount,
// ln, umount), over the libmpytool-mount library (mpytool/mount/mounts.hpp).
#include "commands.hpp"
#include "mpytool/plugin/plugin.hpp"

namespace mpytool::mount {
namespace {

class MountPlugin : public Plugin {
 public:
  PluginInfo info() const override {
    return {"mount", "Host directories on the board: mount, ln, umount", {"mount"}};
  }
  void register_commands(CommandRegistry& registry) override {
    registry.add(make_mount_command());
    registry.add(make_ln_command());
    registry.add(make_umount_command());
  }
};

}  // namespace
}  // namespace mpytool::mount

MPYTOOL_PLUGIN(mpytool::mount::MountPlugin, "mount", "0.1.0")
