// SPDX-License-Identifier: MIT
// Factories of the flash-rp2 plugin's commands.
#pragma once

#include <memory>

#include "mpytool/plugin/command.hpp"

namespace mpytool::flash_rp2 {

std::unique_ptr<Command> make_flash_command();

}  // namespace mpytool::flash_rp2
