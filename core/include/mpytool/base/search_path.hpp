// SPDX-License-Identifier: MIT
/// \file
/// Building the ordered, de-duplicated directory lists that plugin and profile discovery use.
#pragma once

#include <filesystem>
#include <vector>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// Appends \p dir (canonicalised) unless it is empty, not a directory, or already listed.
MPYTOOL_CORE_API void add_search_dir(std::vector<std::filesystem::path>& dirs,
                                     const std::filesystem::path& dir);

/// Appends each directory of the ':'-separated environment variable \p name, if set.
MPYTOOL_CORE_API void add_env_search_dirs(std::vector<std::filesystem::path>& dirs,
                                          const char* name);

/// Appends `<directory of the executable>/../`\p relative: the build tree mirrors the install
/// tree, so one call covers both.
MPYTOOL_CORE_API void add_exe_relative_dir(std::vector<std::filesystem::path>& dirs,
                                           const std::filesystem::path& relative);

}  // namespace mpytool
