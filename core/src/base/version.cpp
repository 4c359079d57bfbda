// SPDX-License-Identifier: MIT
#include "mpytool/base/version.hpp"

#ifndef MPYTOOL_VERSION
#error "MPYTOOL_VERSION must be defined by core/CMakeLists.txt"
#endif

namespace mpytool {

const char* version_string() { return MPYTOOL_VERSION; }

#ifndef MPYTOOL_GIT_REVISION
#define MPYTOOL_GIT_REVISION "unknown"
#endif

const char* revision_string() { return MPYTOOL_GIT_REVISION; }

}  // namespace mpytool
