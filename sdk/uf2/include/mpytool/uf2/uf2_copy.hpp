// SPDX-License-Identifier: MIT
/// \file
/// Copying a UF2 file onto a BOOTSEL drive. The bootrom takes the blocks as they are written
/// and reboots the chip as soon as it holds the last one, so the drive disappears at the end of
/// a good copy, sometimes before the last write, the fsync() or the close() has returned:
/// a drive that vanishes once every byte was handed to the kernel is success, one that vanishes
/// earlier is an interrupted copy. Whether the new firmware runs is for the caller to see
/// (the board's serial port comes back with the new version).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "mpytool/uf2/bootsel_drive.hpp"
#include "mpytool/uf2/export.hpp"

namespace mpytool::uf2 {

/// Bytes handed to the drive per write().
inline constexpr std::size_t kCopyChunk = 64 * 1024;

/// What copy_to_drive() did.
struct CopyResult {
  /// Bytes write() accepted: all of them, unless the drive vanished during the last chunk.
  std::size_t written = 0;
  /// The drive had vanished by the end (the bootrom rebooted while the last bytes, the fsync or
  /// the close were under way).
  bool drive_gone = false;
};

/// Writes \p data to `<d.dir>/<name>` in kCopyChunk pieces (a plain new file: no metadata
/// copied), fsync()s and closes it; \p progress, when set, is called after every chunk with the
/// bytes written so far and the total. drive_present() is checked before every chunk. Throws
/// mpytool::DeviceError (exit 4, with the errno when there is one), naming the drive with
/// describe_drive():
/// - "the drive RPI-RP2 (serial X) vanished while copying fw.uf2 (393216 of 1536000 bytes)"
///   (errno ENODEV unless the system gave one),
/// - "the drive RPI-RP2 (serial X) is read-only" (EROFS, EACCES, EPERM),
/// - "the drive RPI-RP2 (serial X) is full (fw.uf2 needs 1536000 bytes)" (ENOSPC, EFBIG),
/// - "cannot write '/media/u/RPI-RP2/fw.uf2': input/output error" for other errors while the
///   drive is still there.
/// An error of a write of the last chunk, of the fsync() or of the close() while the drive
/// disappears (within a second) is success (drive_gone set): the bootrom had its last block. A
/// partial file left on a drive that is still there is removed.
MPYTOOL_UF2_API CopyResult
copy_to_drive(std::span<const std::uint8_t> data, std::string_view name, const Drive& d,
              const std::function<void(std::size_t done, std::size_t total)>& progress = {});

}  // namespace mpytool::uf2
