// SPDX-License-Identifier: MIT
/// \file
/// `.mpyignore` rules in gitignore syntax (gitwildmatch): which paths below a directory `sync`
/// leaves alone — not uploaded, and on the board never deleted. Also the `--keep GLOB`
/// patterns.
#pragma once

#include <filesystem>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/fs/export.hpp"

namespace mpytool::fs {

/// An ordered list of gitignore patterns; the last one that matches decides.
class MPYTOOL_FS_API IgnoreRules {
 public:
  /// Adds one pattern line: blank lines and `#` comments are skipped, `!` re-includes, a
  /// trailing `/` matches directories only, a `/` at the start or inside anchors the pattern
  /// to the root (otherwise it matches at any depth), `*` and `?` stay inside one path
  /// component, `**` spans components, `[...]` is a character class, `\` escapes. Throws
  /// UsageError for a pattern that cannot be compiled.
  void add(std::string_view pattern);
  /// Adds every line of \p text.
  void add_lines(std::string_view text);
  /// Adds the lines of `dir/.mpyignore`, if there is one.
  void load(const std::filesystem::path& dir);

  /// True if \p rel ("lib/x.py": relative, '/'-separated) is ignored. A path inside an ignored
  /// directory is ignored whatever later patterns say (as git does).
  bool ignored(std::string_view rel, bool is_dir) const;
  /// True when there are no patterns.
  bool empty() const noexcept { return rules_.empty(); }

 private:
  struct Rule {
    std::regex re;
    bool negate = false;
    bool dir_only = false;
  };
  /// The last rule matching \p path decides: 1 ignored, 0 re-included, -1 none matched.
  int decide(const std::string& path, bool is_dir) const;
  std::vector<Rule> rules_;
};

}  // namespace mpytool::fs
