// SPDX-License-Identifier: MIT
// Starting child processes (external mpytool-<x> commands, the virtual board).
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace mpytool::cli {

/// What to do with the child's descriptors before it runs.
struct SpawnFds {
  std::vector<std::pair<int, int>> dup2;  ///< {from, to}: dup2(from, to) in the child
  std::vector<int> close;                 ///< closed in the child
};

/// NULL-terminated char* view of \p strings (which must outlive the result).
std::vector<char*> c_strings(std::vector<std::string>& strings);

/// posix_spawn()s \p exe with \p argv / \p envp and \p fds, SIGINT and SIGPIPE back at their
/// default dispositions (our Ctrl-C handler and ignored SIGPIPE are ours, not the child's).
/// Returns 0 and sets \p pid, or the errno-style error of posix_spawn.
int spawn_with_default_signals(pid_t& pid, const std::string& exe, std::vector<char*>& argv,
                               char* const* envp, const SpawnFds& fds);

}  // namespace mpytool::cli
