// SPDX-License-Identifier: MIT
/// \file
/// Compatibility header: mpy-cross support moved to the core SDK (`mpytool/mpy_cross.hpp`) so
/// that every plugin can use it; the old `mpytool::fs` names still work.
#pragma once

#include "mpytool/mpy_cross/mpy_cross.hpp"

namespace mpytool::fs {
using mpytool::MpyCross;
using mpytool::ProcessResult;
using mpytool::run_process;
}  // namespace mpytool::fs
