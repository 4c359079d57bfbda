// SPDX-License-Identifier: MIT
/// \file
/// The ESP32 partition layer that the flash and OTA plugins share (docs/compatibility.md, "Flash"):
/// the table (with the filesystem each data partition really holds), the block device of a
/// partition, and the OTA write: an image checked on the host as the bootloader checks it, written
/// to the next slot (only the blocks that differ), verified with SHA-256 on the board, then
/// set_boot().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/esp32/export.hpp"
#include "mpytool/flash/firmware_image.hpp"
#include "mpytool/flash/flash_transfer.hpp"
#include "mpytool/profile/board_profile.hpp"

namespace mpytool {
class Mpy;
}

namespace mpytool::esp32 {

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
struct MPYTOOL_ESP32_API PartitionTable {
  std::vector<Partition> partitions;
  std::string running;  ///< running app's label
  std::string boot;     ///< the app the next boot starts ("" unknown)
  std::string next;     ///< the next OTA slot ("" none)
  /// The partition \p label, or nullptr.
  const Partition* find(std::string_view label) const;
};

/// "app"/"data" and the subtype names of the Python mpytool ("factory", "ota_0", "nvs", "fat",
/// ...).
MPYTOOL_ESP32_API std::string type_name(int type);
MPYTOOL_ESP32_API std::string subtype_name(int type, int subtype);

/// Reads the table (one round trip). Throws MpyError "Partition info not available (ESP32
/// only)".
MPYTOOL_ESP32_API PartitionTable partitions(Mpy& mpy);

/// The block device of \p p (4 KB blocks).
MPYTOOL_ESP32_API BlockDevice device_of(const Partition& p);

/// One `esp_ota_select_entry_t` of the otadata partition.
struct OtaDataEntry {
  std::uint32_t seq = 0;    ///< ota_seq: selects app slot (seq - 1) % slots
  std::uint32_t state = 0;  ///< esp_ota_img_states_t
};

/// The valid entries of an otadata partition's two sectors (\p data: its first 8 KB), highest
/// sequence first; erased or damaged entries (CRC of ota_seq) are left out.
MPYTOOL_ESP32_API std::vector<OtaDataEntry> parse_otadata(std::string_view data);

/// "new", "pending_verify", "valid", "invalid", "aborted", "undefined" (or the number).
MPYTOOL_ESP32_API std::string ota_state_name(std::uint32_t state);

/// How the board's table differs from a profile's expected `flash.layout` (one line per
/// difference: "ota_1: offset 0x190000, the profile says 0x200000"); empty when it matches.
MPYTOOL_ESP32_API std::vector<std::string> layout_differences(
    const PartitionTable& table, const std::vector<ProfilePartition>& expected);

/// The layout guard: throws MpyError naming the first difference (with a hint for --force)
/// unless \p force or the layout matches. Nothing to check when \p expected is empty.
MPYTOOL_ESP32_API void check_layout(const PartitionTable& table,
                                    const std::vector<ProfilePartition>& expected, bool force);

/// What ota_write() did.
struct OtaResult {
  std::string target;  ///< the slot written
  std::uint32_t offset = 0;
  std::uint32_t size = 0;  ///< the slot's size
  EspAppImage image;       ///< the verified image
  FlashWriteResult write;
};

/// Checks \p data as an app image for this board, writes it to the next OTA slot, verifies it
/// and calls set_boot(). Throws ImageError (bad image, wrong chip, too large), MpyError "OTA not
/// available (no OTA partitions)", DeviceError when the board refuses the image.
MPYTOOL_ESP32_API OtaResult ota_write(Mpy& mpy, std::string_view data,
                                      const FlashProgress& progress = {},
                                      std::optional<bool> compress = {},
                                      std::string_view name = "firmware",
                                      const std::vector<ProfilePartition>& layout = {},
                                      bool force = false);

}  // namespace mpytool::esp32
