// SPDX-License-Identifier: MIT
// The mip plugin's command (`mpytool mip SUBCOMMAND ...`, git-style) and its subcommands, one
// per file in commands/: each gets the words after the subcommand's name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mpytool/plugin/command.hpp"
#include "mpytool/plugin/context.hpp"

namespace mpytool::mip {

/// The `mip` command: the options of every subcommand, dispatch on the first word.
std::unique_ptr<Command> make_mip_command();

/// The words after the subcommand name (the specs, the package names).
using Words = std::vector<std::string>;

/// `mip download SPEC... [-r FILE] -d DIR [--index ...] [--mpy N|py]` (commands/download.cpp):
/// host only, never opens the board.
int run_download(CommandContext& ctx, const ParsedArgs& args, const Words& words);
/// `mip install [SPEC...] [-r FILE] [--target DIR] [--index ...] [--no-mpy] [-n] [--json]`.
int run_install(CommandContext& ctx, const ParsedArgs& args, const Words& words);
/// `mip list [--json]`.
int run_list(CommandContext& ctx, const ParsedArgs& args, const Words& words);
/// `mip uninstall PKG... [-n]`.
int run_uninstall(CommandContext& ctx, const ParsedArgs& args, const Words& words);
/// `mip freeze [-o FILE] [--json]`.
int run_freeze(CommandContext& ctx, const ParsedArgs& args, const Words& words);

}  // namespace mpytool::mip
