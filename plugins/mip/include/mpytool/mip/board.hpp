// SPDX-License-Identifier: MIT
/// \file
/// The board side of mip: what the board is (bytecode version, the target dir, free space,
/// whether the target is on a host's mount, the manifest) in one round trip, and the last step
/// of an install or uninstall (move staged files into place, remove files, write the manifest
/// atomically, remove the staging dir, or put everything back) in one small program.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mpytool/mip/export.hpp"
#include "mpytool/mip/manifest.hpp"

namespace mpytool {
class Mpy;
}

namespace mpytool::mip {

/// What board_facts() found.
struct MPYTOOL_MIP_API BoardFacts {
  std::string mpy;     ///< "6" (sys.implementation._mpy & 0xff) or "py" (none, or --no-mpy)
  std::string target;  ///< absolute, without a trailing '/' ("/" for the root)
  std::optional<std::int64_t> free;   ///< bytes free on the target's filesystem
  std::optional<std::int64_t> block;  ///< its block size
  /// The type name of the VFS the target is on when that is not a filesystem of the board's own
  /// (a Python-level VFS: mpytool's or mpremote's mount); "" otherwise.
  std::string mount_vfs;
  std::optional<std::string> manifest_text;  ///< target/.mip.json, nullopt when missing
  bool empty_target = false;  ///< the target dir is missing or empty: no file is there yet
  Manifest manifest;          ///< parsed manifest_text (empty when missing)
  /// The manifest's paths whose file on the board has the recorded sha256 (checked by the
  /// same program); nullopt when the board could not tell (no manifest, no hashlib).
  std::optional<std::set<std::string>> intact;

  /// target/.mip.json.
  std::string manifest_path() const;
  /// target/\p relative.
  std::string path(const std::string& relative) const;
  /// target/.mip-staging.
  std::string staging() const;
};

/// One round trip (two when the host has not seen the board's manifest): the facts of the
/// board for \p target (nullopt: the first sys.path entry that
/// ends in "/lib" and does not start with "/rom"). \p no_mpy: mpy is "py". Throws UsageError
/// "unable to find lib dir in sys.path, use --target to override" when there is no target, and
/// MpyError "malformed manifest ..." for a manifest that cannot be read.
MPYTOOL_MIP_API BoardFacts board_facts(Mpy& mpy, const std::optional<std::string>& target,
                                       bool no_mpy = false);

/// Keeps the text of a manifest written to (or read from) a board in the host cache, where
/// board_facts() finds it by the hash the board answers instead of the text.
MPYTOOL_MIP_API void remember_manifest(const std::string& text);

/// Throws UsageError "target /remote/lib is inside a mount: mip installs onto the board's own
/// filesystem" when facts.mount_vfs is set.
MPYTOOL_MIP_API void require_own_filesystem(const BoardFacts& facts);

/// Bytes \p sizes take on a filesystem with blocks of \p block bytes (each file rounded up to
/// whole blocks, at least one).
MPYTOOL_MIP_API std::int64_t space_needed(const std::vector<std::int64_t>& sizes,
                                          std::int64_t block);

/// The staging dir of an install: target/.mip-staging, where the uploaded files wait as
/// staging/0, staging/1, ... (flat: the dir is the only one to create).
struct MPYTOOL_MIP_API Staging {
  std::string dir;                   ///< target/.mip-staging
  std::vector<std::string> created;  ///< the dirs make_staging() created, outermost first
  /// True when the new manifest was uploaded with the files, as manifest_file(): the move
  /// renames it into place instead of getting its text in its arguments (it travels in the
  /// upload's deflate stream, without base64).
  bool manifest = false;
  /// Where the \p index-th file to move is uploaded: dir/<index>.
  std::string file(std::size_t index) const;
  /// Where the new manifest is uploaded: dir/m.
  std::string manifest_file() const;
};

/// One small program before an upload: creates the staging dir (and the target and its parents
/// when missing).
MPYTOOL_MIP_API Staging make_staging(Mpy& mpy, const BoardFacts& facts);

/// What finish_on_board() did.
struct MoveResult {
  std::size_t moved = 0;  ///< files left moved into place (0 when restored)
  std::size_t total = 0;  ///< files to move
  std::string error;      ///< why the moves stopped ("" when all went well)
  bool restored = false;  ///< after an error: the target is as it was before
  bool ok() const { return error.empty(); }
};

/// One program on the board (the helper travels with it, with the arguments, deflated when
/// the board can inflate): moves staging->file(i) to target/P for the i-th P of \p moves
/// (parents created), writes \p manifest_json as the manifest (temp + rename; nullopt: leaves
/// it), removes target/P for each P of \p removes (and dirs left empty) and the staging dir.
/// Paths relative to the target; \p staging nullptr when nothing was staged.
/// Whole or nothing: a file a move replaces is kept in the staging dir until the end, and a
/// failure while moving puts back what was there (restored), removes the staging dir and the
/// dirs make_staging() created, and comes back in the result (not thrown). When even that fails,
/// what was moved stays, the manifest is not updated and the replaced files stay in the staging
/// dir. A broken link throws.
MPYTOOL_MIP_API MoveResult finish_on_board(Mpy& mpy, const BoardFacts& facts,
                                           const std::vector<std::string>& moves,
                                           const std::vector<std::string>& removes,
                                           const std::optional<std::string>& manifest_json,
                                           const Staging* staging);

}  // namespace mpytool::mip
