// SPDX-License-Identifier: MIT
/// \file
/// Finding, starting and waiting for programs (external `mpytool-<x>` commands, the virtual
/// board's node, mpy-cross, the editor, watch's rounds, fleet's boards): one PATH lookup, one
/// executable check, one spawner and one way to wait for children for the whole tree.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mpytool/process/export.hpp"

namespace mpytool {

/// The directories of a ':'-separated search path such as PATH, in order. An empty entry means
/// the current directory, as for execvp(); \p value null (the variable unset) gives the
/// system's default path (confstr _CS_PATH, "/bin:/usr/bin").
MPYTOOL_PROCESS_API std::vector<std::filesystem::path> path_dirs(const char* value);

/// True for a regular file the process may execute.
MPYTOOL_PROCESS_API bool is_executable(const std::filesystem::path& p);

/// \p name looked up as execvp() does: a name with a '/' is taken as it is (if executable),
/// others are searched in \p dirs (default: PATH). Returns "" when not found.
MPYTOOL_PROCESS_API std::filesystem::path find_executable(const std::string& name);
MPYTOOL_PROCESS_API std::filesystem::path find_executable(
    const std::string& name, const std::vector<std::filesystem::path>& dirs);

/// What to do with the child's descriptors before it runs.
struct SpawnFds {
  std::vector<std::pair<int, int>> dup2;  ///< {from, to}: dup2(from, to) in the child
  std::vector<int> close;                 ///< closed in the child
  std::string stdin_path;                 ///< opened read-only as fd 0 ("" keeps ours)
};

/// NULL-terminated char* view of \p strings (which must outlive the result).
MPYTOOL_PROCESS_API std::vector<char*> c_strings(std::vector<std::string>& strings);

/// posix_spawn()s \p exe with \p argv / \p envp and \p fds; SIGINT and SIGPIPE go back to
/// their default dispositions and the signal mask is cleared (the app's Ctrl-C handler and
/// ignored SIGPIPE are its own, not the child's). Returns 0 and sets \p pid, or the errno-style
/// error of posix_spawn.
MPYTOOL_PROCESS_API int spawn_process(pid_t& pid, const std::string& exe, std::vector<char*>& argv,
                                      char* const* envp, const SpawnFds& fds);

/// The exit code a wait status stands for: the child's exit status, or 128 + the number of the
/// signal that ended it (as a shell reports it).
MPYTOOL_PROCESS_API int exit_code_of(int status);

/// Waits for child \p pid to end (a signal arriving meanwhile does not end the wait). Returns
/// its exit code (exit_code_of), or -1 with errno set when it cannot be waited for.
MPYTOOL_PROCESS_API int wait_child(pid_t pid);

/// Whether child \p pid has ended, without blocking: nullopt while it runs, else its exit code
/// (exit_code_of), or -1 when it cannot be waited for (not a child of this process).
MPYTOOL_PROCESS_API std::optional<int> poll_child(pid_t pid);

/// What a child process did.
struct ProcessResult {
  int exit_code = -1;  ///< exit status, or -1 when it was killed or could not start
  bool timed_out = false;
  std::string out;  ///< its stdout
  std::string err;  ///< its stderr (or why it could not start)
};

/// Runs \p argv (argv[0] a path) with stdin from /dev/null, collects stdout and stderr, and
/// kills it after \p timeout.
MPYTOOL_PROCESS_API ProcessResult run_process(const std::vector<std::string>& argv,
                                              std::chrono::milliseconds timeout);

}  // namespace mpytool
