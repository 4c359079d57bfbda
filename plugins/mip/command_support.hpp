// SPDX-License-Identifier: MIT
// What the mip subcommands share: the ResolveOptions from the command line, the specs of the
// positionals and -r files, and the Plan from either (lock file or specs).
#pragma once

#include <string>
#include <vector>

#include "mpytool/mip/plan.hpp"
#include "mpytool/plugin/command.hpp"
#include "mpytool/plugin/context.hpp"

namespace mpytool::mip {

/// --index (repeatable), the mpy (\p mpy: "6", "py"; --no-mpy makes it "py"), progress lines
/// on the context's output ("Fetching 3/9 URL").
ResolveOptions resolve_options(CommandContext& ctx, const ParsedArgs& args, const std::string& mpy);

/// The Plan the command line asks for, resolved (not fetched): \p words as specs, plus each
/// -r FILE (a lock file: its exact packages — then no other spec or -r is allowed; else a
/// requirements list). UsageError when there is nothing to install.
Plan plan_from_args(const ParsedArgs& args, const std::vector<std::string>& words,
                    const ResolveOptions& options);

/// Prints the plan's notes at -v.
void print_notes(CommandContext& ctx, const Plan& plan);

}  // namespace mpytool::mip
