// SPDX-License-Identifier: MIT
/// \file
/// Path semantics of the file commands (docs/compatibility.md, "Device paths", "cp"): the `:`
/// device-path syntax, trailing-slash rules, exclude patterns, size arguments and the cp planner
/// for uploads, downloads and board-to-board copies. Pure logic: the board is seen through
/// RemoteView, so everything here is unit-testable without a device.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/files/files.hpp"
#include "mpytool/fs/export.hpp"

namespace mpytool::fs {

/// A command-line path argument.
struct CliPath {
  bool remote = false;  ///< it started with ':'
  std::string path;     ///< without the ':' ("" = the board's CWD)
  /// Ends with '/', or is ":" / ":/" (a remote directory destination / contents source).
  bool trailing_slash = false;
};

/// Splits an argument: ":lib/" -> {remote, "lib/", trailing}; "a.py" -> {local, "a.py"}.
MPYTOOL_FS_API CliPath parse_cli_path(std::string_view arg);

/// The device path of \p arg without ':'. Throws UsageError
/// "<cmd> requires device path (: prefix): <arg>".
MPYTOOL_FS_API std::string require_remote(std::string_view cmd, std::string_view arg);

/// True for a remote directory destination: "", "/", a path ending with '/', or "." / ".."
/// (also as the last component: "a/.").
MPYTOOL_FS_API bool remote_dir_dest(std::string_view path);

/// Joins a remote directory and a name: ("", n) -> n, ("/", n) -> "/n", ("a/", n) -> "a/n",
/// ("a", n) -> "a/n".
MPYTOOL_FS_API std::string join_remote(std::string_view dir, std::string_view name);

/// Last component of a remote path, trailing '/' ignored ("/a/b/" -> "b", "/" -> "").
MPYTOOL_FS_API std::string remote_basename(std::string_view path);

/// Parent of a remote path ("a/b" -> "a", "/a" -> "/", "a" -> "").
MPYTOOL_FS_API std::string remote_dirname(std::string_view path);

/// Drops trailing '/' except for "" and "/" ("lib/" -> "lib", "/" -> "/").
MPYTOOL_FS_API std::string strip_trailing_slash(std::string_view path);

/// Why \p name, one entry of a board directory listing, cannot be used as a path component:
/// "empty name", "not a file name" ("." and ".."), "contains '/'", "contains NUL" (on Windows
/// also "contains '\\'" and "contains ':'"); nullptr for a plain file name. A board that is
/// buggy or lies can list such names; joined to a destination they would point outside it
/// (`../x`, `/etc/x`, `a/../../x`), so every place that turns a board listing into paths checks
/// them here. Other bytes (control characters, invalid UTF-8) are legal in file names: those
/// names are accepted and shown through printable().
MPYTOOL_FS_API const char* board_name_problem(std::string_view name) noexcept;

/// True when board_name_problem() finds nothing.
MPYTOOL_FS_API bool safe_board_name(std::string_view name) noexcept;

/// A name of a board listing that was refused (and skipped, with what is below it).
struct RefusedName {
  std::string dir;   ///< the board directory that listed it
  std::string name;  ///< the name as listed
};

/// The warning for a refused name, one line with the name escaped:
/// "refused board name '../x' in ':/dir' (contains '/')".
MPYTOOL_FS_API std::string refused_message(const RefusedName& refused);

/// The start of the error a command ends with after refusing names: "1 name listed by the
/// board was refused", "9 names listed by the board under :/app were refused" (\p where:
/// " under :/app").
MPYTOOL_FS_API std::string refused_count(std::size_t n, std::string_view where = {});

/// True when \p path, made absolute (against the CWD) and lexically normalised, is \p root or
/// lies below it (also made absolute and normalised). No file system access: the last check
/// before a download writes a file whose path came from board names.
MPYTOOL_FS_API bool path_within(const std::filesystem::path& root,
                                const std::filesystem::path& path);

/// Exclude patterns matched (fnmatch-style: * ? [..]) against file and directory names.
class MPYTOOL_FS_API Excludes {
 public:
  /// The defaults plus \p user patterns.
  explicit Excludes(std::vector<std::string> user = {}, bool with_defaults = true);
  /// True if \p name (one path component) matches a pattern.
  bool excluded(std::string_view name) const;
  /// The default patterns: "__pycache__", ".git", ".svn", ".hg", ".DS_Store", "*.pyc",
  /// ".mpytool-*", ".*.mpytmp".
  static const std::vector<std::string>& defaults();
  const std::vector<std::string>& patterns() const noexcept { return patterns_; }

 private:
  std::vector<std::string> patterns_;
};

/// fnmatch-style match of one name (* ? [abc] [!abc] [a-z]).
MPYTOOL_FS_API bool glob_match(std::string_view pattern, std::string_view name);

/// Parses a size argument: "512", "512B", "4K", "4KB", "1M" (case-insensitive units).
/// Throws UsageError "invalid size 'X'" or "size out of range (64..131072): X".
MPYTOOL_FS_API int parse_size(std::string_view text);

/// The board seen by the planner (Files implements it in cp; tests fake it).
class MPYTOOL_FS_API RemoteView {
 public:
  virtual ~RemoteView() = default;
  /// nullopt missing, -1 directory, size of a file.
  virtual std::optional<std::int64_t> stat(std::string_view path) = 0;
  /// Recursive listing (only called for directories).
  virtual files::TreeNode tree(std::string_view path) = 0;
};

/// One file of a copy.
struct CopyFile {
  std::string src;        ///< local path (uploads) or board path (downloads, board-to-board)
  std::string dst;        ///< board path (uploads, board-to-board) or local path (downloads)
  std::int64_t size = 0;  ///< source size in bytes
  /// Downloads of a directory: the local directory \p dst must stay in (path_within()); its
  /// path comes from board names. Empty otherwise.
  std::string root;
};

/// What a cp invocation does.
struct CopyPlan {
  std::vector<CopyFile> files;
  /// Directories to create on the destination side first (parents before children), including
  /// empty source directories and the parents of single files when missing.
  std::vector<std::string> dirs;
  /// Downloads: names of the board's listings that are not plain file names
  /// (board_name_problem()); they and everything below them are left out of the plan.
  std::vector<RefusedName> refused;
  /// Uploads: links to directories outside their source that were not followed (see
  /// local_tree.hpp), as the walk spelled them.
  std::vector<std::string> skipped;
};

/// Plans `cp SRC... :DST` (sources local as typed, \p dest the board path without ':').
/// Follows the reference's upload table; a file onto an existing board directory goes inside
/// it. Throws UsageError ("Source not found: X", "multiple sources or directory contents
/// require destination directory (ending with /)"), MpyError "Error creating file under file:
/// P" when a needed parent is a file. Directory sources are walked as local_tree.hpp says: links
/// to directories inside the source are followed, those leading outside it are skipped (listed
/// in CopyPlan::skipped) unless \p follow_links, a loop is MpyError "directory loop (symlink) at
/// 'P'".
MPYTOOL_FS_API CopyPlan plan_upload(const std::vector<std::string>& sources, std::string_view dest,
                                    const Excludes& excludes, RemoteView& remote,
                                    bool follow_links = false);

/// Plans `cp :SRC... DST` (sources board paths without ':', \p dest local), symmetric to
/// uploads: ":dir out/" -> out/dir/..., ":dir/ out/" -> contents in out/, ":dir name" ->
/// name/..., a file into an existing local directory goes inside it. Names from the board's
/// listings that are not plain file names go to CopyPlan::refused instead. \p dest "-" is
/// stdout: one board file, planned with the destination "-" (UsageError for a directory or
/// several sources). Throws UsageError "Source not found on device: X" and the multiple-sources
/// error.
MPYTOOL_FS_API CopyPlan plan_download(const std::vector<std::string>& sources,
                                      std::string_view dest, const Excludes& excludes,
                                      RemoteView& remote);

/// Plans `cp :SRC... :DST` (files only). Throws UsageError "Remote-to-remote directory copy
/// not supported" and the errors above.
MPYTOOL_FS_API CopyPlan plan_remote_copy(const std::vector<std::string>& sources,
                                         std::string_view dest, RemoteView& remote);

/// How a path is shown in progress lines: relative to the CWD, or absolute when that needs
/// more than two "..". Board paths get ':'.
MPYTOOL_FS_API std::string display_local(const std::filesystem::path& p);

}  // namespace mpytool::fs
