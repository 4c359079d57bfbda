// SPDX-License-Identifier: MIT
/// \file
/// `mpytool _man`: the manual page mpytool(1) in roff, made from the same command tables as
/// `mpytool help` (the build writes it to share/man/man1/mpytool.1), so it never drifts.
#pragma once

#include <ostream>

#include "dispatch/command_table.hpp"

namespace mpytool::cli {

/// Writes mpytool(1) for the commands of \p table: name, synopsis, description, global options
/// (the core's and the plugins'), every command with its options and arguments, exit status,
/// environment and files.
void print_man_page(std::ostream& out, const CommandTable& table);

}  // namespace mpytool::cli
