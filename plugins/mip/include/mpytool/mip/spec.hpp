// SPDX-License-Identifier: MIT
/// \file
/// Package specs as mpremote reads them: NAME[@VER], github:/gitlab:/codeberg: shorthands,
/// http(s) URLs, host paths to a package.json or a directory holding one.
#pragma once

#include <string>
#include <string_view>

#include "mpytool/mip/export.hpp"
#include "mpytool/mip/plan.hpp"

namespace mpytool::mip {

/// One parsed spec.
struct Spec {
  std::string text;    ///< the spec as given
  std::string target;  ///< the spec without "@VERSION"
  Source kind = Source::kIndex;
  std::string name;     ///< kIndex: the package name; else the name derived from the location
  std::string version;  ///< after '@' ("" when none): the index version or the branch/ref
  /// kPackageJson/kFile: the URL (rewritten, "/package.json" appended as mpremote does) or the
  /// host path of the .json; "" for kIndex.
  std::string location;
};

/// Parses \p spec. NAME[@VER]; a spec starting with http://, https://, github:, gitlab: or
/// codeberg: is a URL (rewritten with branch = VER or HEAD; .py/.mpy is kFile; .json as is;
/// else + "/package.json"); a host path ending in .json, or a host directory holding
/// package.json, is a kPackageJson. A second '@' is a UsageError "bad package spec 'x': more
/// than one '@'"; an empty name a UsageError.
MPYTOOL_MIP_API Spec parse_spec(std::string_view spec);

/// Rewrites github:org/repo[/path], gitlab:..., codeberg:... into an https URL with \p branch
/// (the seams MPYTOOL_MIP_GITHUB, MPYTOOL_MIP_GITLAB, MPYTOOL_MIP_CODEBERG give the bases);
/// any other text comes back as it is. "github:org" (no repo) is a UsageError.
MPYTOOL_MIP_API std::string rewrite_url(std::string_view url, std::string_view branch);

/// True for an http:// or https:// URL (case-insensitive scheme).
MPYTOOL_MIP_API bool is_http_url(std::string_view s);

/// The host[:port] of a URL ("http://h:8000/x" -> "h:8000"); \p url itself when it has no "://".
MPYTOOL_MIP_API std::string host_of(std::string_view url);

/// True for a spec or dep that is a URL: http(s)://, github:, gitlab:, codeberg:.
MPYTOOL_MIP_API bool is_url_spec(std::string_view s);

/// Resolves \p reference against the location \p base (a URL: http::join_url; a host path:
/// relative to its directory); an absolute reference stands as it is.
MPYTOOL_MIP_API std::string join_location(const std::string& base, const std::string& reference);

}  // namespace mpytool::mip
