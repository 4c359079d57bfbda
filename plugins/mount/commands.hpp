// SPDX-License-Identifier: MIT
// Factories of the mount plugin's commands, one per file in commands/.
#pragma once

#include <memory>

#include "mpytool/plugin/command.hpp"

namespace mpytool::mount {

std::unique_ptr<Command> make_mount_command();
std::unique_ptr<Command> make_ln_command();
std::unique_ptr<Command> make_umount_command();

}  // namespace mpytool::mount
