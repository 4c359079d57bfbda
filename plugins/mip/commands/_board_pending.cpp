// SPDX-License-Identifier: MIT
// Placeholders for the board subcommands until their own files land (install.cpp, list.cpp,
// uninstall.cpp, freeze.cpp replace this file: delete it when adding them).
#include "commands.hpp"
#include "mpytool/base/error.hpp"

namespace mpytool::mip {

int run_install(CommandContext&, const ParsedArgs&, const Words&) {
  throw MpyError("mip install: not available in this build");
}
int run_list(CommandContext&, const ParsedArgs&, const Words&) {
  throw MpyError("mip list: not available in this build");
}
int run_uninstall(CommandContext&, const ParsedArgs&, const Words&) {
  throw MpyError("mip uninstall: not available in this build");
}
int run_freeze(CommandContext&, const ParsedArgs&, const Words&) {
  throw MpyError("mip freeze: not available in this build");
}

}  // namespace mpytool::mip
