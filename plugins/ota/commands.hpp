// SPDX-License-Identifier: MIT
// Factories of the ota plugin's commands.
#pragma once

#include <memory>

#include "mpytool/plugin/command.hpp"

namespace mpytool::ota {

std::unique_ptr<Command> make_ota_command();

}  // namespace mpytool::ota
