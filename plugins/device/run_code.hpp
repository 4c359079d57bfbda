// SPDX-License-Identifier: MIT
/// \file
/// What `exec` and `run` share: the -t option, and running code with its output streamed raw
/// to stdout and a board traceback printed verbatim to stderr.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mpytool/link/conn.hpp"
#include "mpytool/plugin/command.hpp"

namespace mpytool::device {

/// `-t/--timeout SEC`: seconds (float); absent waits forever, 0 submits only.
OptionSpec timeout_option(std::string help);

/// Parses a seconds value; throws UsageError "<cmd>: invalid timeout 'x'".
double parse_seconds(std::string_view command, const std::string& text);

/// The -t value of \p args, std::nullopt when absent.
Seconds timeout_arg(std::string_view command, const ParsedArgs& args);

/// Runs \p code through try_raw_paste, streaming its output to ctx.out(). A CmdError's traceback
/// goes verbatim to stderr and the result is ExitCode::kDevice (4); otherwise 0.
int run_code(CommandContext& ctx, std::string_view code, Seconds timeout, bool guard);

/// `--guard`: exec/run send the user's code through MpyComm's guard.
OptionSpec guard_option();

}  // namespace mpytool::device
