// SPDX-License-Identifier: MIT
/// \file
/// Commands of the app itself: `help`, `plugins`, `profiles`, `version` and the hidden completion
/// helpers
/// `_commands`, `_options`, `_args`. They need no board and always win over plugin commands.
#pragma once

#include "dispatch/command_table.hpp"

namespace mpytool::cli {

/// Adds the built-ins to \p table (they keep a reference to it).
void add_builtin_commands(CommandTable& table);

}  // namespace mpytool::cli
