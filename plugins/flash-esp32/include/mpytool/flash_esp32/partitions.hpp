// SPDX-License-Identifier: MIT
/// \file
/// ESP32 partitions (reference §4): the table with the filesystem each data partition really
/// holds, and reading, writing (only the blocks that differ, verified), erasing and OTA, with
/// the guards a production line needs: the running app, otadata and phy_init are refused
/// without `force`, and an OTA image is checked on the host (magic, segments, checksum, SHA-256,
/// chip) before a byte is sent and on the board (SHA-256) before set_boot().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mpytool/firmware_image.hpp"
#include "mpytool/flash_esp32/export.hpp"
#include "mpytool/flash_transfer.hpp"

namespace mpytool {
class Mpy;
}

namespace mpytool::flash_esp32 {

/// One partition.
struct Partition {
  std::string label;
  int type = 0;  ///< 0 app, 1 data
  int subtype = 0;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  bool encrypted = false;
  bool running = false;
  std::optional<FsSignature> fs;  ///< data partitions of subtype fat/spiffs/littlefs
};

/// The table.
struct PartitionTable {
  std::vector<Partition> partitions;
  std::string running;  ///< running app's label
  std::string boot;     ///< the app the next boot starts ("" unknown)
  std::string next;     ///< the next OTA slot ("" none)
  /// The partition \p label, or nullptr.
  const Partition* find(std::string_view label) const;
};

/// "app"/"data" and the subtype names of the seed ("factory", "ota_0", "nvs", "fat", ...).
MPYTOOL_FLASH_ESP32_API std::string type_name(int type);
MPYTOOL_FLASH_ESP32_API std::string subtype_name(int type, int subtype);

/// Reads the table (one round trip). Throws MpyError "Partition info not available (ESP32
/// only)".
MPYTOOL_FLASH_ESP32_API PartitionTable partitions(Mpy& mpy);

/// The table as the seed prints it (header, 90 dashes, rows, boot and next OTA lines).
MPYTOOL_FLASH_ESP32_API std::string format_table(const PartitionTable& table);
/// The table as JSON.
MPYTOOL_FLASH_ESP32_API std::string table_json(const PartitionTable& table);

/// Reads partition \p label. Throws MpyError "Partition 'L' not found".
MPYTOOL_FLASH_ESP32_API std::string flash_read(Mpy& mpy, const std::string& label,
                                               const FlashProgress& progress = {});
/// Writes \p data to partition \p label (blocks that differ only, verified). Refuses the
/// running app, otadata and phy_init unless \p force.
MPYTOOL_FLASH_ESP32_API FlashWriteResult flash_write(Mpy& mpy, std::string_view data,
                                                     const std::string& label,
                                                     const FlashProgress& progress = {},
                                                     std::optional<bool> compress = {},
                                                     bool force = false);
/// Erases partition \p label: the first two blocks, or all with \p full. Returns bytes erased.
MPYTOOL_FLASH_ESP32_API std::size_t flash_erase(Mpy& mpy, const std::string& label, bool full,
                                                const FlashProgress& progress = {},
                                                bool force = false);

/// What ota_write() did.
struct OtaResult {
  std::string target;  ///< the slot written
  std::uint32_t offset = 0;
  std::uint32_t size = 0;  ///< the slot's size
  EspAppImage image;       ///< the verified image
  FlashWriteResult write;
};

/// Checks \p data as an app image for this board, writes it to the next OTA slot, verifies it
/// and calls set_boot(). Throws ImageError (bad image, wrong chip), MpyError "OTA not available
/// (no OTA partitions)", DeviceError when the board refuses the image.
MPYTOOL_FLASH_ESP32_API OtaResult ota_write(Mpy& mpy, std::string_view data,
                                            const FlashProgress& progress = {},
                                            std::optional<bool> compress = {},
                                            std::string_view name = "firmware");

}  // namespace mpytool::flash_esp32
