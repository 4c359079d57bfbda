// SPDX-License-Identifier: MIT
/// \file
/// Downloading a plan's files: the cache first, then every missing file at once over the HTTP
/// client's keep-alive connections, each checked against its hash, the cache filled after.
#pragma once

#include "mpytool/mip/export.hpp"
#include "mpytool/mip/plan.hpp"

namespace mpytool::mip {

/// Fills FileRef::data and FileRef::sha256 of every file of \p plan not fetched yet. Host
/// paths are read; index files and lock files (which have a hash) are taken from the cache
/// when it holds them; the rest are fetched concurrently (options.parallel). Each is checked
/// against FileRef::hash (a prefix of its sha256): MpyError "hash mismatch for PATH from URL:
/// expected X, got Y". A 404 is MpyError "file not found: URL", another status "error N
/// requesting URL". When the network fails (ConnError) and the cache holds every file still
/// missing (a `urls` file by the sha256 of its last download), the cache is used and a note
/// added to plan.notes; otherwise the ConnError propagates. Nothing is written to the board.
MPYTOOL_MIP_API void fetch_files(Plan& plan, const ResolveOptions& options);

}  // namespace mpytool::mip
