// SPDX-License-Identifier: MIT
/// \file
/// Where a board path lands on the host, and the rule that it never lands outside: the mount's
/// root directory and its `ln` sources are the only places the board can reach. `..`, absolute
/// paths, symlinks pointing out, the prefix trick (`/x/app` vs `/x/app2`), NUL bytes, invalid
/// UTF-8 and over-long names are refused with an errno (EACCES), never a host error.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/mount/export.hpp"

namespace mpytool::mount {

/// The result of Jail::resolve().
struct Resolved {
  int error = 0;               ///< 0, or EACCES (refused) / ENOENT (no such virtual entry)
  std::filesystem::path path;  ///< host path (symlinks resolved; may not exist yet)
  std::string rel;             ///< the normalised board path without the leading '/'
  bool virtual_dir = false;    ///< a directory that exists only as a parent of `ln` entries
  bool base = false;           ///< the root or an `ln` source itself (never removed or renamed)
};

/// A mount's root plus its `ln` entries ("submounts": board subpath -> host path).
class MPYTOOL_MOUNT_API Jail {
 public:
  /// \p root must exist; it is made canonical.
  explicit Jail(const std::filesystem::path& root);

  /// The canonical root.
  const std::filesystem::path& root() const noexcept { return root_; }

  /// Links \p local (made canonical) at board \p subpath (relative to the mount, e.g.
  /// "lib/drivers"). Returns false when \p subpath is not a valid relative path.
  bool add_submount(std::string_view subpath, const std::filesystem::path& local);
  /// The `ln` entries.
  const std::map<std::string, std::filesystem::path>& submounts() const noexcept {
    return submounts_;
  }

  /// Resolves \p board_path (absolute within the mount: "/lib/x.py"; "" and "/" are the root).
  Resolved resolve(std::string_view board_path) const;

  /// Names of the virtual children of directory \p rel (from `ln` entries), with the host path
  /// each one stands for (empty for an intermediate virtual directory).
  std::vector<std::pair<std::string, std::filesystem::path>> virtual_children(
      std::string_view rel) const;

  /// Splits \p board_path into its components, resolving "." and "..". Empty optional-like
  /// result: returns false when the path is invalid (NUL, not UTF-8, a name over 255 bytes,
  /// over 4096 bytes in all) or climbs above the root.
  static bool normalise(std::string_view board_path, std::vector<std::string>& parts);

  /// True if \p path is \p base or inside it, compared component by component.
  static bool within(const std::filesystem::path& path, const std::filesystem::path& base);

 private:
  std::filesystem::path root_;
  std::map<std::string, std::filesystem::path> submounts_;
};

/// True if \p text is valid UTF-8 (no overlong forms, no surrogates).
MPYTOOL_MOUNT_API bool valid_utf8(std::string_view text);

}  // namespace mpytool::mount
