// SPDX-License-Identifier: MIT
/// \file
/// Mounting host directories on the board (docs/compatibility.md, "Mount"): the Python mpytool's
/// `Mpy.mount()`, `add_submount()` and unmount, as the session state of one board.
///
///     mpytool::mount::Mounts& mounts = mpytool::mount::Mounts::of(mpy);
///     auto handle = mounts.mount("./src", "/remote");        // read-only, CWD -> /remote
///     handle.add_submount("lib/drivers", "./drivers");       // ln ./drivers :/remote/lib/
///     mpy.comm().exec("import app");                         // requests served inside read()
///     mounts.unmount_all();                                  // board as it was
///
/// Requests are served inside Conn::read() (and every read the core does) by an escape
/// handler: Conn::busy() is true while one is served and Conn::write() is refused then. After a
/// soft reboot (seen in the output, or a reset through Mpy) every mount is mounted again at the
/// next safe point (Mpy::service()), with the CWD and sys.path restored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mpytool/board/mpy.hpp"
#include "mpytool/mount/export.hpp"

namespace mpytool {
class MpyCross;
}

namespace mpytool::mount {

class Mounts;

/// What list() reports about one mount.
struct MountInfo {
  std::string mount_point;      ///< "/remote"
  std::filesystem::path local;  ///< canonical host directory
  bool writable = false;        ///< -w
  bool mpy = false;             ///< -m (transparent .mpy)
  std::uint8_t mid = 0;         ///< the agent's mount id
  std::size_t open_files = 0;   ///< host files the board holds open
  std::uint64_t requests = 0;   ///< requests served for this mount
  /// `ln` entries: board path ("/remote/lib/drivers") -> host path.
  std::vector<std::pair<std::string, std::filesystem::path>> submounts;
};

/// Counters of the requests served (for benchmarks and --json).
struct MountStats {
  std::uint64_t requests = 0;    ///< requests answered
  std::uint64_t bytes_in = 0;    ///< request bytes from the board
  std::uint64_t bytes_out = 0;   ///< reply bytes to the board
  std::uint64_t compressed = 0;  ///< replies sent deflated
  std::uint64_t remounts = 0;    ///< remounts after a soft reboot
};

/// A mount, as returned by Mounts::mount(). Cheap to copy; valid while the mount exists.
class MPYTOOL_MOUNT_API MountHandle {
 public:
  MountHandle(Mounts& mounts, std::string mount_point)
      : mounts_(&mounts), mount_point_(std::move(mount_point)) {}
  /// "/remote".
  const std::string& mount_point() const noexcept { return mount_point_; }
  /// Links host \p local at \p subpath below the mount point (see Mounts::add_submount()).
  void add_submount(std::string_view subpath, const std::filesystem::path& local);
  /// Unmounts it (Mounts::unmount()).
  void unmount();

 private:
  Mounts* mounts_;
  std::string mount_point_;
};

/// The mounts of one board session, attached to its Mpy (Mpy::attach) so that they live for a
/// whole chain of commands. Not thread-safe, like Mpy.
class MPYTOOL_MOUNT_API Mounts final : public SessionExtension {
 public:
  /// The session's mounts, created (and attached to \p mpy) on first use.
  static Mounts& of(Mpy& mpy);
  /// The session's mounts, or nullptr when nothing was ever mounted.
  static Mounts* find(Mpy& mpy);

  explicit Mounts(Mpy& mpy);
  ~Mounts() override;

  /// Mounts host directory \p local at absolute board path \p mount_point, read-only unless
  /// \p writable, with transparent .mpy when \p mpy_cross is given (an initialised compiler;
  /// shared, the mounts keep it). The first mount sends the agent and moves the board's CWD to
  /// \p mount_point. Throws UsageError "mount directory not found: X", MpyError "cannot mount on
  /// '/' - use '/remote' or another mount point", "mount point 'X' already mounted", "'X' is
  /// nested inside 'Y'", "cannot mount 'X' — existing mount 'Y' would be nested inside it".
  MountHandle mount(const std::filesystem::path& local, std::string mount_point = "/remote",
                    bool writable = false, std::shared_ptr<MpyCross> mpy_cross = {});

  /// Links host \p local (a file or directory) at \p subpath (relative, "lib/drivers") inside
  /// the mount at \p mount_point. Host-side only; survives remounts. Throws MpyError "no mount
  /// at 'X'", UsageError "source not found: 'X'".
  void add_submount(std::string_view mount_point, std::string_view subpath,
                    const std::filesystem::path& local);

  /// The real mount whose point equals or contains board path \p path ("" when none).
  std::string owner_of(std::string_view path) const;

  /// Unmounts \p mount_point on the board and closes its host files. Throws MpyError "no mount
  /// at 'X'".
  void unmount(std::string_view mount_point);
  /// Unmounts everything and removes the agent from the board's RAM; the CWD returns to where
  /// it was before the first mount when it is inside a mount.
  void unmount_all();

  /// The active mounts, in mount order.
  std::vector<MountInfo> list() const;
  /// True when nothing is mounted.
  bool empty() const noexcept;
  /// What was served so far.
  const MountStats& stats() const noexcept;
  /// True when the board has `deflate` and reads travel compressed.
  bool board_inflates() const noexcept;

  /// Mounts everything again now (after a reboot the agent is gone): agent, mounts, CWD,
  /// sys.path. Leaves the board in the friendly REPL when \p friendly.
  void remount(bool friendly);

  // SessionExtension
  void service(Mpy& mpy, bool idle) override;
  void board_reset(Mpy& mpy) override;
  void close(Mpy& mpy) noexcept override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpytool::mount
