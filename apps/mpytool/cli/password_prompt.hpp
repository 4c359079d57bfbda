// SPDX-License-Identifier: MIT
/// \file
/// The WebREPL password: from --password, MPYTOOL_PASSWORD, the inventory, or a prompt on the
/// terminal with echo off. It is never logged.
#pragma once

#include <string>

#include "cli/global_options.hpp"

namespace mpytool::cli {

/// The password for the WebREPL at \p url: --password, else $MPYTOOL_PASSWORD, else the
/// inventory board's `password:`, else asked on the controlling terminal (no echo). Throws
/// UsageError "the WebREPL at URL needs a password" when none is given and there is no terminal.
std::string webrepl_password(const GlobalOptions& g, const std::string& url);

}  // namespace mpytool::cli
