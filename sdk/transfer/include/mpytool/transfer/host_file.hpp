// SPDX-License-Identifier: MIT
/// \file
/// Whole host files for commands that read an image or save what they read from a board
/// (firmware, flash dumps, `cp` downloads): one reader with the Python mpytool's message, and the
/// one writer every download goes through.
///
/// The writer keeps what the destination is, whatever the board sends:
/// - `-` is stdout, and so are `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1` (likewise stderr):
///   the bytes go to the descriptor the process already has, as the shell opened it (a pipe, a
///   terminal, a file; appending stays appending);
/// - a symlink is followed to its final target (a dangling one: the target is created), and the
///   link stays a link;
/// - a regular file is replaced atomically: the data goes to a new temporary file in the target's
///   directory, which takes the old file's mode (and owner and group, where permitted), then is
///   renamed over it; a new file gets mode 0666 & ~umask;
/// - anything else that is not a directory (a character or block device, a FIFO, the terminal)
///   is written straight into, never replaced.
///
/// The temporary file is `.mpytool-XXXXXX.mpytmp` (random, 22 bytes: a 255-byte target name
/// fits), created with O_CREAT|O_EXCL|O_NOFOLLOW, so a link or a file planted at its name is never
/// followed nor overwritten. It is removed on every failure; the target is then untouched.
///
/// HostFileWriter writes piece by piece (a download streamed to disk: memory bounded by a
/// piece, whatever the file's size); write_host_file() is the same writer given one piece.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mpytool/transfer/export.hpp"

namespace mpytool {

/// The content of host file \p path. Throws UsageError "<what> not found: PATH" when it cannot
/// be opened (the Python mpytool's "Firmware file not found: PATH" with the default).
MPYTOOL_TRANSFER_API std::string read_host_file(const std::string& path,
                                                std::string_view what = "Firmware file");

/// Writes \p data to host file \p path as the file comment says (`-` is stdout). Throws MpyError
/// "cannot write 'PATH': reason" with the host's reason in lower case ("permission denied", "no
/// space left on device", "read-only file system", "is a directory").
MPYTOOL_TRANSFER_API void write_host_file(const std::string& path, std::string_view data);

/// The one writer of host files, piece by piece: open() decides what the destination is and
/// (for a regular file) creates the temporary file, write() adds a piece, commit() renames it
/// over the target. abort() — and the destructor, if commit() did not run — removes the
/// temporary file and leaves the target as it was. Writes into stdout/stderr, a device or a
/// FIFO go straight through (what was written stays written on abort()). Errors are MpyError
/// "cannot write 'PATH': reason", as write_host_file() throws them; after one the writer is
/// aborted.
class MPYTOOL_TRANSFER_API HostFileWriter {
 public:
  HostFileWriter() = default;
  /// open(path).
  explicit HostFileWriter(const std::string& path) { open(path); }
  /// abort() unless committed.
  ~HostFileWriter();
  HostFileWriter(const HostFileWriter&) = delete;
  HostFileWriter& operator=(const HostFileWriter&) = delete;

  /// Starts writing \p path (aborting what this writer had open). Nothing is visible at
  /// \p path until commit() when it is (or will be) a regular file.
  void open(const std::string& path);
  /// Writes \p data after what was written. Throws MpyError when not open.
  void write(std::string_view data);
  /// Finishes: closes, and renames the temporary file over the target. Throws MpyError (the
  /// temporary file is then removed).
  void commit();
  /// Gives up: closes and removes the temporary file (the target stays as it was). Safe to call
  /// at any time, also when nothing is open.
  void abort() noexcept;
  /// True between open() and commit() / abort().
  bool is_open() const noexcept { return open_; }

 private:
  [[noreturn]] void give_up(int err);
  std::string shown_;  ///< the path as given, for messages
  bool open_ = false;
  int fd_ = -1;          ///< what write() writes to
  bool own_fd_ = false;  ///< fd_ is closed by this writer (not stdout/stderr)
  int dirfd_ = -1;       ///< the target's directory (atomic replacement only)
  std::string tmp_;      ///< the temporary file's name in dirfd_ (atomic replacement only)
  std::string name_;     ///< the target's name in dirfd_
};

/// True when \p path names this process's stdout or stderr for write_host_file(): "-",
/// /dev/stdout, /dev/fd/1, /proc/self/fd/1 and the same for stderr (nothing to compare with).
MPYTOOL_TRANSFER_API bool is_stream_path(std::string_view path) noexcept;

namespace detail {
/// For tests: the names (without directory) that the next temporary files try, in order,
/// before random ones. Names that exist already are skipped as random ones are.
MPYTOOL_TRANSFER_API void set_next_temp_names(std::vector<std::string> names);
}  // namespace detail

}  // namespace mpytool
