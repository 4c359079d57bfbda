// SPDX-License-Identifier: MIT
/// \file
/// Git-style fallback: an unknown first command word `x` runs the executable `mpytool-x` found
/// in MPYTOOL_EXEC_PATH, `<exe dir>/../libexec/mpytool`, then PATH, with the remaining words as
/// its arguments and the connection settings in MPYTOOL_* environment variables.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/global_options.hpp"

namespace mpytool::cli {

/// The `mpytool-<name>` executable, or an empty path.
std::filesystem::path find_external_command(const std::string& name);

/// Names (without "mpytool-") of the external commands found on the search path, sorted.
std::vector<std::string> list_external_commands();

/// The environment handed to an external command: MPYTOOL_PORT, MPYTOOL_ADDRESS, MPYTOOL_BAUD,
/// MPYTOOL_VERBOSE, MPYTOOL_DEBUG, MPYTOOL_SSL, MPYTOOL_PLUGIN_PATH, MPYTOOL_EXEC_PATH.
std::vector<std::pair<std::string, std::string>> external_environment(
    const GlobalOptions& globals, const std::vector<std::filesystem::path>& plugin_path);

/// Runs \p exe with \p args and \p env added to the environment, waits and returns its exit
/// code (128+N when killed by signal N). With \p inherit_stdio the child writes straight to our
/// stdout/stderr; otherwise its output is copied into \p out / \p err (in-process tests).
/// Throws MpyError when it cannot be started.
int run_external_command(const std::filesystem::path& exe, const std::vector<std::string>& args,
                         const std::vector<std::pair<std::string, std::string>>& env,
                         std::ostream& out, std::ostream& err, bool inherit_stdio);

}  // namespace mpytool::cli
