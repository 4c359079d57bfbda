// SPDX-License-Identifier: MIT
/// \file
/// Resolving specs into a Plan: every package JSON of the tree fetched (level by level, each
/// level concurrently), de-duplicated, version conflicts and path collisions refused, before
/// any file is downloaded.
#pragma once

#include <string>
#include <vector>

#include "mpytool/mip/export.hpp"
#include "mpytool/mip/plan.hpp"

namespace mpytool::mip {

/// Resolves \p specs (parse_spec() each) and their deps into a Plan (files not fetched yet).
///
/// Index names are looked up in options.indexes in order (the first that has the package
/// wins); a version "" is "latest". A dep with an empty or "latest" version is satisfied by a
/// version already chosen; an explicit version wins over a "latest" one (the package is
/// resolved again at that version); two explicit different versions are a UsageError
/// "version conflict: foo 1.0 (needed by a) and foo 2.0 (needed by b)" ("the command line"
/// for a requested one). A cycle is resolved once and noted. Two packages writing one path
/// with different hashes: MpyError "file conflict: 'p' is in both a and b".
///
/// Errors: MpyError "package not found: 'NAME' (searched I1, I2)", "package not found: URL",
/// "package NAME VER has no files for mpy 6" (when the py flavour exists; hint --no-mpy),
/// "error 503 requesting URL", "malformed package JSON URL: <why>"; ConnError for network
/// failures when the cache cannot stand in.
MPYTOOL_MIP_API Plan resolve(const std::vector<std::string>& specs, const ResolveOptions& options);

}  // namespace mpytool::mip
