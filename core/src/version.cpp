// SPDX-License-Identifier: MIT
#include "mpytool/version.hpp"

#ifndef MPYTOOL_VERSION
#error "MPYTOOL_VERSION must be defined by core/CMakeLists.txt"
#endif

namespace mpytool {

const char* version_string() { return MPYTOOL_VERSION; }

}  // namespace mpytool
