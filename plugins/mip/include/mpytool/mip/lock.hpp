// SPDX-License-Identifier: MIT
/// \file
/// Lock files (mip.lock: exact versions, files, sha256s and URLs) and requirements lists.
#pragma once

#include <string>
#include <vector>

#include "mpytool/mip/export.hpp"
#include "mpytool/mip/plan.hpp"

namespace mpytool::mip {

/// The lock file of \p plan (its files fetched: every FileRef::sha256 set, else MpyError):
/// pretty JSON, stable order, ending in a newline:
/// {"v": 1, "mpy": "6", "packages": [{"name", "version", "source", "index" (or null),
/// "requested", "deps", "files": [{"path", "sha256", "url"}]}]}.
MPYTOOL_MIP_API std::string lock_json(const Plan& plan);

/// True when \p text is a lock file (a JSON object with "packages"), false for anything else
/// (a requirements list).
MPYTOOL_MIP_API bool is_lock(const std::string& text);

/// The Plan a lock file records (files not fetched: FileRef::hash is the full sha256, so
/// fetch_files() checks each fully and may take each from the cache). Relative file URLs
/// resolve against \p base (the lock file's path or URL; "" = as they are). The lock's "mpy"
/// replaces options.mpy in the plan. Throws MpyError "malformed lock file NAME: <why>".
MPYTOOL_MIP_API Plan resolve_lock(const std::string& lock_json, const ResolveOptions& options,
                                  const std::string& base = {});

/// The specs of a requirements list: one per line, '#' starts a comment, blank lines and
/// surrounding blanks ignored.
MPYTOOL_MIP_API std::vector<std::string> read_requirements(const std::string& text);

}  // namespace mpytool::mip
