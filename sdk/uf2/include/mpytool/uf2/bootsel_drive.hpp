// SPDX-License-Identifier: MIT
/// \file
/// The BOOTSEL drives of RP2 boards: the USB mass-storage volume the bootrom presents (label
/// RPI-RP2 or RP2350), recognised by its INFO_UF2.TXT. The label is the same on every board, so
/// a drive is matched to its board by the USB serial number in the udev links of
/// /dev/disk/by-id (`usb-RPI_RP2_<SERIAL>-0:0[-partN]`, `usb-RPI_RP2350_<SERIAL>-0:0[-partN]`),
/// the serial being the board's machine.unique_id() in upper-case hex.
///
/// The seam: the environment variable MPYTOOL_DISK_BY_ID names another directory of such
/// entries; an entry that resolves to a directory is taken as the drive's mounted directory
/// itself (tests, unusual set-ups). An entry that resolves to a block device is looked up in
/// /proc/self/mounts or, unmounted, mounted with `udisksctl mount -b DEV --no-user-interaction`.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/uf2/export.hpp"

namespace mpytool::uf2 {

/// A mounted BOOTSEL drive.
struct Drive {
  std::filesystem::path dir;  ///< the mounted directory (holds INFO_UF2.TXT)
  std::string board_id;       ///< INFO_UF2.TXT's Board-ID: "RPI-RP2", "RP2350"
  std::string model;          ///< its Model: "Raspberry Pi RP2", "Raspberry Pi RP2350"
  std::string serial;         ///< the USB serial number; "" when unknown
  std::string device;         ///< the block device ("/dev/sdb1"); "" when unknown
};

/// Where find_drives() looks.
struct MPYTOOL_UF2_API DriveSources {
  /// Directory of udev-style links (`usb-RPI_RP2_<SERIAL>-0:0[-partN]`); "" for none.
  std::filesystem::path by_id;
  /// A mounts table in the format of /proc/self/mounts; "" for none.
  std::filesystem::path mounts;
  /// Mount unmounted RP2 drives with udisksctl (when it is on PATH).
  bool use_udisks = true;
  /// by_id from MPYTOOL_DISK_BY_ID (default /dev/disk/by-id), mounts /proc/self/mounts,
  /// use_udisks true.
  static DriveSources from_environment();
};

/// The drive mounted at \p dir, with the Model and Board-ID of its INFO_UF2.TXT (serial and
/// device empty); nullopt when \p dir holds no INFO_UF2.TXT.
MPYTOOL_UF2_API std::optional<Drive> read_drive(const std::filesystem::path& dir);

/// The serial number in a by-id entry's name: "usb-RPI_RP2_E0C9125B0D9B-0:0-part1" ->
/// "E0C9125B0D9B" (the last '_'-separated word before "-L:L[-partN]"); nullopt when \p name
/// is not a USB disk entry.
MPYTOOL_UF2_API std::optional<std::string> serial_of_entry(std::string_view name);

/// True for the by-id entry of an RP2 bootrom's drive (vendor/model RPI_RP2 or RPI_RP2350).
MPYTOOL_UF2_API bool is_rp2_entry(std::string_view name);

/// Every BOOTSEL drive: first those of the by-id entries (one per serial number, its
/// partition preferred over the whole disk; RP2 entries are mounted through udisksctl when
/// unmounted; entries of other vendors count only when already mounted or a directory), sorted
/// by serial; then mounted vfat volumes of \p src.mounts that hold INFO_UF2.TXT and no entry
/// named (serial ""). Anything without INFO_UF2.TXT is skipped; nothing throws (an entry that
/// cannot be read or mounted is skipped).
MPYTOOL_UF2_API std::vector<Drive> find_drives(
    const DriveSources& src = DriveSources::from_environment());

/// The drive of \p drives whose serial is \p serial (case-insensitive), or nullptr; nullptr
/// too for an empty \p serial.
MPYTOOL_UF2_API const Drive* drive_for_serial(const std::vector<Drive>& drives,
                                              std::string_view serial);

/// The drive is still there: its INFO_UF2.TXT exists and so does its block device (when
/// known). After a complete file the bootrom reboots and the drive disappears.
MPYTOOL_UF2_API bool drive_present(const Drive& d);

/// Waits until drive_present(\p d) is false, polling every 100 ms; false when it is still
/// there after \p timeout.
MPYTOOL_UF2_API bool wait_drive_gone(const Drive& d, std::chrono::milliseconds timeout);

/// The directory in udisksctl's answer to `mount`: "Mounted /dev/sdb1 at /media/u/RPI-RP2"
/// (a final '.' of older versions dropped), or the one of its AlreadyMounted error ("... is
/// already mounted at `/media/u/RPI-RP2'."); nullopt when it names none.
MPYTOOL_UF2_API std::optional<std::filesystem::path> udisks_mount_point(std::string_view text);

/// How messages name a drive: "the drive RPI-RP2 (serial E0C9125B0D9B)", or with the directory
/// when the serial is unknown: "the drive RPI-RP2 at /media/u/RPI-RP2".
MPYTOOL_UF2_API std::string describe_drive(const Drive& d);

}  // namespace mpytool::uf2
