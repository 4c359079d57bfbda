// SPDX-License-Identifier: MIT
/// \file
/// The core-owned spdlog logger. Plugins log through mpytool::logger(), never spdlog globals.
#pragma once

#include <spdlog/logger.h>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// The process-wide logger ("mpytool"); writes to stderr as "mpytool: <level>: <message>".
MPYTOOL_CORE_API spdlog::logger& logger();

/// Sets the level from the -d count (0 warnings, 1 info, 2+ debug incl. TX/RX traffic) and the
/// -q flag (errors only), and whether level names are coloured.
MPYTOOL_CORE_API void setup_logging(int debug_count, bool quiet, bool color);

}  // namespace mpytool
