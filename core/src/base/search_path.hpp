// SPDX-License-Identifier: MIT
// Building the ordered, de-duplicated directory lists that plugin and profile discovery use.
#pragma once

#include <filesystem>
#include <vector>

namespace mpytool::detail {

/// Appends \p dir (canonicalised) unless it is empty, not a directory, or already listed.
void add_search_dir(std::vector<std::filesystem::path>& dirs, const std::filesystem::path& dir);

/// Appends each directory of the ':'-separated environment variable \p name, if set.
void add_env_search_dirs(std::vector<std::filesystem::path>& dirs, const char* name);

/// Appends <exe dir>/../\p relative: the build tree mirrors the install tree.
void add_exe_relative_dir(std::vector<std::filesystem::path>& dirs,
                          const std::filesystem::path& relative);

}  // namespace mpytool::detail
