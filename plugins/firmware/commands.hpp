// SPDX-License-Identifier: MIT
// Factories of the firmware plugin's commands.
#pragma once

#include <memory>

#include "mpytool/plugin/command.hpp"

namespace mpytool::firmware {

std::unique_ptr<Command> make_firmware_command();

}  // namespace mpytool::firmware
