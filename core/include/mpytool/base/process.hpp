// SPDX-License-Identifier: MIT
/// \file
/// Finding and starting programs (external `mpytool-<x>` commands, the virtual board's node,
/// mpy-cross): one PATH lookup, one executable check and one spawner for the whole tree.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// The directories of a ':'-separated search path such as PATH, in order. An empty entry means
/// the current directory, as for execvp(); \p value null (the variable unset) gives the
/// system's default path (confstr _CS_PATH, "/bin:/usr/bin").
MPYTOOL_CORE_API std::vector<std::filesystem::path> path_dirs(const char* value);

/// True for a regular file the process may execute.
MPYTOOL_CORE_API bool is_executable(const std::filesystem::path& p);

/// \p name looked up as execvp() does: a name with a '/' is taken as it is (if executable),
/// others are searched in \p dirs (default: PATH). Returns "" when not found.
MPYTOOL_CORE_API std::filesystem::path find_executable(const std::string& name);
MPYTOOL_CORE_API std::filesystem::path find_executable(
    const std::string& name, const std::vector<std::filesystem::path>& dirs);

/// What to do with the child's descriptors before it runs.
struct SpawnFds {
  std::vector<std::pair<int, int>> dup2;  ///< {from, to}: dup2(from, to) in the child
  std::vector<int> close;                 ///< closed in the child
  std::string stdin_path;                 ///< opened read-only as fd 0 ("" keeps ours)
};

/// NULL-terminated char* view of \p strings (which must outlive the result).
MPYTOOL_CORE_API std::vector<char*> c_strings(std::vector<std::string>& strings);

/// posix_spawn()s \p exe with \p argv / \p envp and \p fds; SIGINT and SIGPIPE go back to
/// their default dispositions and the signal mask is cleared (the app's Ctrl-C handler and
/// ignored SIGPIPE are its own, not the child's). Returns 0 and sets \p pid, or the errno-style
/// error of posix_spawn.
MPYTOOL_CORE_API int spawn_process(pid_t& pid, const std::string& exe, std::vector<char*>& argv,
                                   char* const* envp, const SpawnFds& fds);

}  // namespace mpytool
