// SPDX-License-Identifier: MIT
/// \file
/// The board's record of installed packages, `{target}/.mip.json` (compact JSON, readable by
/// other tools): {"v": 1, "packages": {"NAME": {"version": "...", "source": "...",
/// "index": "...", "requested": true, "deps": ["..."], "files": {"rel/path.py": "<64 hex>"},
/// "urls": {"rel/path.py": "<download URL>"}}}}. Paths are relative to the target; "index" and
/// "urls" are optional (what `mip freeze` needs to write a lock file that installs again).
/// Pure logic: what an install adds and replaces, what an uninstall removes.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/mip/export.hpp"
#include "mpytool/mip/plan.hpp"

namespace mpytool::mip {

/// One installed package as the manifest records it.
struct InstalledPackage {
  std::string name;
  std::string version;
  std::string source;             ///< the package JSON's URL or host path, or the file's URL
  std::string index;              ///< the index it came from, "" when none
  bool requested = false;         ///< the user asked for it (not only brought as a dependency)
  std::vector<std::string> deps;  ///< names of the packages it depends on
  std::map<std::string, std::string> files;  ///< path relative to the target -> 64 hex sha256
  std::map<std::string, std::string> urls;   ///< path -> where it was downloaded from

  friend bool operator==(const InstalledPackage&, const InstalledPackage&) = default;
};

/// The whole manifest.
struct Manifest {
  std::map<std::string, InstalledPackage> packages;  ///< by name

  /// Parses the manifest text; "" (no manifest yet) is an empty manifest. Throws MpyError
  /// "malformed manifest '<where>': <why>".
  MPYTOOL_MIP_API static Manifest parse(std::string_view text, std::string_view where);
  /// Compact JSON, keys in a stable order (packages and files sorted by name).
  MPYTOOL_MIP_API std::string to_json() const;
  /// The package that records \p path, or "" when none does.
  MPYTOOL_MIP_API std::string owner(const std::string& path) const;

  friend bool operator==(const Manifest&, const Manifest&) = default;
};

/// The manifest entry of a fetched plan package (every FileRef::sha256 set, else MpyError).
MPYTOOL_MIP_API InstalledPackage installed_from(const Package& package);

/// What an install changes in the manifest.
struct Merge {
  Manifest manifest;  ///< the manifest after the install
  /// Files of the old versions of re-installed packages that the new versions no longer have
  /// and no other package records: to remove, relative to the target, sorted.
  std::vector<std::string> stale;
  /// "NAME OLD -> NEW" for each package installed at another version than it had.
  std::vector<std::string> replaced;
};

/// Adds \p installed to \p old: a package already installed under the same name is replaced
/// by its new entry (a user request stays a request: requested is kept true); every other
/// package stays as it was.
MPYTOOL_MIP_API Merge merge(const Manifest& old, const std::vector<InstalledPackage>& installed);

/// What an uninstall changes in the manifest.
struct Removal {
  Manifest manifest;                  ///< the manifest after the uninstall
  std::vector<std::string> packages;  ///< the packages removed: those named, then deps (sorted)
  /// Their files that no remaining package records, relative to the target, sorted.
  std::vector<std::string> files;
};

/// Removes the packages \p names and, transitively, the dependencies they brought that no
/// remaining package needs and that the user did not ask for (requested). Throws UsageError
/// "package 'x' is not installed (installed: a, b)" ("(nothing is installed)") for an unknown
/// name.
MPYTOOL_MIP_API Removal remove_packages(const Manifest& manifest,
                                        const std::vector<std::string>& names);

}  // namespace mpytool::mip
