// SPDX-License-Identifier: MIT
/// \file
/// ESP32 partitions for the `flash` command (docs/compatibility.md, "Flash"): the table as the
/// Python mpytool prints it, and reading, writing (only the blocks that differ, verified) and
/// erasing partitions, with the guards a production line needs: the running app, otadata and
/// phy_init are refused without `force`. The partition layer itself (table, OTA write) is the
/// core's (mpytool/esp32_partitions.hpp), shared with the ota plugin.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mpytool/esp32/partitions.hpp"
#include "mpytool/flash/flash_transfer.hpp"
#include "mpytool/flash_esp32/export.hpp"

namespace mpytool::flash_esp32 {

using esp32::ota_write;
using esp32::OtaResult;
using esp32::Partition;
using esp32::partitions;
using esp32::PartitionTable;

/// The table as the Python mpytool prints it (header, 90 dashes, rows, boot and next OTA lines).
MPYTOOL_FLASH_ESP32_API std::string format_table(const PartitionTable& table);
/// The table as JSON.
MPYTOOL_FLASH_ESP32_API std::string table_json(const PartitionTable& table);

/// Reads partition \p label. Throws MpyError "Partition 'L' not found".
MPYTOOL_FLASH_ESP32_API std::string flash_read(Mpy& mpy, const std::string& label,
                                               const FlashProgress& progress = {});
/// Writes \p data to partition \p label (blocks that differ only, verified). Refuses the
/// running app, otadata and phy_init unless \p force, and (unless \p force) a board whose
/// table differs from \p layout (a profile's `flash.layout`).
MPYTOOL_FLASH_ESP32_API FlashWriteResult
flash_write(Mpy& mpy, std::string_view data, const std::string& label,
            const FlashProgress& progress = {}, std::optional<bool> compress = {},
            bool force = false, const std::vector<ProfilePartition>& layout = {});
/// Erases partition \p label: the first two blocks, or all with \p full. Returns bytes erased.
MPYTOOL_FLASH_ESP32_API std::size_t flash_erase(Mpy& mpy, const std::string& label, bool full,
                                                const FlashProgress& progress = {},
                                                bool force = false,
                                                const std::vector<ProfilePartition>& layout = {});

}  // namespace mpytool::flash_esp32
