// SPDX-License-Identifier: MIT
/// \file
/// The built-in `fleet` command: one command chain on several boards in parallel.
#pragma once

#include <filesystem>
#include <memory>

#include "mpytool/base/error.hpp"
#include "mpytool/plugin/command.hpp"

namespace mpytool::cli {

/// Exit code of a fleet run in which some boards failed (the others' work stands).
inline constexpr int kFleetPartialFailure = static_cast<int>(ExitCode::kPartial);

/// The command (needs no board itself; it starts one mpytool process per board). \p exe is
/// the program each board runs (default: this mpytool; tests pass a stand-in).
std::unique_ptr<Command> make_fleet_command(std::filesystem::path exe = {});

}  // namespace mpytool::cli
