// SPDX-License-Identifier: MIT
/// \file
/// The host side of one mount: answers the agent's requests from a local directory
/// (docs/compatibility.md, "Mount", with the Python mpytool's bugs fixed). Pure file-system work,
/// no link and no compression (the session does that, StreamCompressor): every request gets a
/// Reply, errors become errno replies, nothing throws. Unit-testable with scripted requests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mpytool/mount/export.hpp"
#include "mpytool/mount/jail.hpp"
#include "mpytool/mount/protocol.hpp"

namespace mpytool {
class MpyCross;
}

namespace mpytool::mount {

/// How a MountServer serves.
struct ServerOptions {
  bool writable = false;            ///< -w: writes, creates, mkdir, remove, rename allowed
  MpyCross* mpy_cross = nullptr;    ///< -m: an initialised compiler (not owned), or nullptr
  std::size_t chunk = 4096;         ///< the agent's block size (first block of an open)
  std::size_t listing_limit = 100;  ///< a kStat carries the parent's listing up to this size
};

/// One entry of a listing.
struct Entry {
  std::string name;
  std::uint16_t mode = 0;  ///< 0x4000 directory, 0x8000 file
  std::uint32_t size = 0;
  std::uint32_t mtime = 0;
};

/// Serves one mount. Files opened by the board are numbered 0..126 (EMFILE beyond).
class MPYTOOL_MOUNT_API MountServer {
 public:
  /// Serves \p root (must exist) with \p options.
  MountServer(const std::filesystem::path& root, ServerOptions options);
  ~MountServer();
  MountServer(const MountServer&) = delete;
  MountServer& operator=(const MountServer&) = delete;

  /// Answers \p request. Never throws.
  Reply handle(const Request& request) noexcept;

  /// The answer for a mount the host does not know (a stale agent): lookups ENOENT, changes
  /// EROFS, file operations EBADF.
  static Reply dismiss(const Request& request);

  /// The jail (root and `ln` entries).
  Jail& jail() noexcept { return jail_; }
  const Jail& jail() const noexcept { return jail_; }
  /// The options in force.
  const ServerOptions& options() const noexcept { return options_; }
  /// Sets the agent's block size.
  void set_chunk(std::size_t chunk) { options_.chunk = chunk; }

  /// Closes every file the board opened (remount, unmount).
  void close_all() noexcept;
  /// Files the board holds open.
  std::size_t open_files() const noexcept;
  /// Requests answered so far.
  std::uint64_t requests() const noexcept { return requests_; }

  /// The listing of board directory \p path (real entries, then `ln` entries; sorted; at most
  /// 1000), or an errno.
  int list(std::string_view path, std::vector<Entry>& out) const;

 private:
  Reply stat(std::string_view path) const;
  Reply listdir(std::string_view path) const;
  Reply statvfs() const;
  Reply open(std::string_view payload);
  Reply close(std::string_view payload);
  Reply read(std::string_view payload);
  Reply write(std::string_view payload);
  Reply mkdir(std::string_view path);
  Reply remove(std::string_view payload);
  Reply rename(std::string_view payload);
  int stat_entry(const Resolved& r, std::string_view name, Entry& out, bool mpy_view) const;

  Jail jail_;
  ServerOptions options_;
  std::vector<int> fds_;  ///< board fd -> host fd (-1 free)
  std::uint64_t requests_ = 0;
};

/// Encodes \p entries as a listing payload (u8 name length, u16 mode, u32 size, u32 mtime,
/// name), stopping before kMaxPayload.
MPYTOOL_MOUNT_API Bytes encode_listing(const std::vector<Entry>& entries);

}  // namespace mpytool::mount
