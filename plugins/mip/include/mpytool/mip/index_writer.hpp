// SPDX-License-Identifier: MIT
/// \file
/// `mip download`: a fetched plan written as a v2 index on the host, plus its lock file.
#pragma once

#include <string>
#include <vector>

#include "mpytool/mip/export.hpp"
#include "mpytool/mip/plan.hpp"

namespace mpytool::mip {

/// What write_index() wrote.
struct IndexWritten {
  std::vector<std::string> package_jsons;  ///< paths relative to the dir
  std::size_t files_written = 0;           ///< file/HH/HASH files new in the dir
  std::size_t files_present = 0;           ///< already there with the same content
  std::string lock_path;                   ///< dir/mip.lock
};

/// Writes \p plan (files fetched) into \p dir as a v2 index: file/HH/HASH (HASH = the first
/// 8 hex of the sha256, longer if two different files would share it),
/// package/{mpy}/NAME/{VER}.json (when the version is known) and latest.json (each with "v",
/// "version", "hashes" and "deps" as [name, version] pairs of the plan), index.json (merged with
/// one already there), and dir/mip.lock (lock_json() with file URLs relative to dir), so
/// `--index DIR` or `-r DIR/mip.lock` installs offline. Creates dir; MpyError on I/O failure.
MPYTOOL_MIP_API IndexWritten write_index(const Plan& plan, const std::string& dir);

}  // namespace mpytool::mip
