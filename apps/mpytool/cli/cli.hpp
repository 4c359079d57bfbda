// SPDX-License-Identifier: MIT
/// \file
/// The whole command line in one function: parse the global options, load the plugins,
/// dispatch the command groups and map every error to an exit code (README.md). main() and the
/// in-process tests call the same entry points.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace mpytool::cli {

/// Runs mpytool with \p argv (argv[0] is the program name); data goes to \p out, diagnostics
/// and errors to \p err. Returns the process exit code. Never throws.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

/// Same with \p args excluding the program name (tests).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace mpytool::cli
