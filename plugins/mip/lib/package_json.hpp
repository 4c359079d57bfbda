// SPDX-License-Identifier: MIT
// Reading one package JSON (v1: "hashes", "urls", "deps", "version") into plain lists, with
// errors that name the URL.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mpytool::mip::detail {

/// A package JSON's fields.
struct PackageJson {
  std::string version;                                      ///< "" when absent
  std::vector<std::pair<std::string, std::string>> hashes;  ///< [path, short hash]
  std::vector<std::pair<std::string, std::string>> urls;    ///< [path, url]
  std::vector<std::pair<std::string, std::string>> deps;    ///< [name or url, version]
};

/// Parses \p text fetched from \p url; MpyError "malformed package JSON URL: <why>".
PackageJson parse_package_json(const std::string& text, const std::string& url);

/// A target path of a package: relative, no "..", no empty segment, '/' only; MpyError
/// "malformed package JSON URL: bad path 'p'" otherwise.
void check_target_path(const std::string& path, const std::string& url);

}  // namespace mpytool::mip::detail
