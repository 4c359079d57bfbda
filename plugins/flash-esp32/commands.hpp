// SPDX-License-Identifier: MIT
// Factories of the flash-esp32 plugin's commands.
#pragma once

#include <memory>

#include "mpytool/plugin/command.hpp"

namespace mpytool::flash_esp32 {

std::unique_ptr<Command> make_flash_command();

}  // namespace mpytool::flash_esp32
