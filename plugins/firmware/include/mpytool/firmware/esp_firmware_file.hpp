// SPDX-License-Identifier: MIT
/// \file
/// What an ESP firmware file is, found on the host without a board: a merged image (2nd-stage
/// bootloader, partition table and app with 0xFF gaps, as MicroPython publishes
/// `BOARD-vX.Y.Z.bin`, laid out from the chip's bootloader offset) or an app image alone
/// (`.app-bin`). Every image in it is verified as the ESP-IDF bootloader verifies it (magic,
/// segments, checksum, appended SHA-256), so a damaged file is refused before a byte is sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/firmware/export.hpp"
#include "mpytool/flash/firmware_image.hpp"

namespace mpytool::firmware {

/// The SPI flash settings in an image header (bytes 2 and 3).
struct EspFlashParams {
  std::uint8_t mode = 0;         ///< 0 QIO, 1 QOUT, 2 DIO, 3 DOUT
  std::uint8_t size_freq = 0;    ///< size in the high nibble, frequency in the low nibble
  std::string mode_name;         ///< "dio"
  std::string size_name;         ///< "4MB"
  std::string freq_name;         ///< "40m"
  std::uint32_t flash_size = 0;  ///< bytes the header says the flash has
};

/// One row of a partition table (32-byte entries starting AA 50).
struct EspPartitionRow {
  std::string label;
  int type = 0;  ///< 0 app, 1 data
  int subtype = 0;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

/// A checked ESP firmware file.
struct EspFirmwareFile {
  enum class Kind { kMerged, kApp };
  Kind kind = Kind::kApp;
  std::uint16_t chip_id = 0;  ///< the extended header's chip id (the first image's)
  EspFlashParams flash;       ///< the first image's flash settings
  std::size_t size = 0;       ///< bytes in the file
  /// Merged: the flash offset the file starts at (where the bootloader goes: 0x1000 for ESP32
  /// and S2, 0x0 for S3/C3/C6/C2/H2, 0x2000 for C5/P4), found from where its partition table
  /// sits (flash 0x8000). App: nullopt.
  std::optional<std::uint32_t> base;
  std::optional<EspAppImage> bootloader;    ///< merged: the image at the file's start
  std::vector<EspPartitionRow> partitions;  ///< merged: the table's rows
  std::uint32_t app_flash_offset = 0;       ///< merged: the first app partition's offset
  std::size_t app_file_offset = 0;          ///< where the app starts in the file
  EspAppImage app;                          ///< the app image
};

/// The partition table rows in \p table (from flash offset 0x8000): up to the first row that
/// is not AA 50 (the MD5 row EB EB, or erased flash). Throws ImageError naming \p name when a
/// row is malformed.
MPYTOOL_FIRMWARE_API std::vector<EspPartitionRow> parse_partition_rows(std::string_view table,
                                                                       std::string_view name);

/// Reads and verifies \p data as a merged image or an app image. Throws ImageError ("NAME: ...")
/// for anything the bootloader would refuse, and for a file that is neither.
MPYTOOL_FIRMWARE_API EspFirmwareFile read_esp_firmware(std::string_view data,
                                                       std::string_view name);

/// "1.62 MB", "196.6 kB", "900 B": decimal units, as firmware sizes are quoted (core's
/// format_size() is the Python mpytool's binary "1.55M" of file listings).
MPYTOOL_FIRMWARE_API std::string decimal_size(std::size_t bytes);

}  // namespace mpytool::firmware
