// SPDX-License-Identifier: MIT
/// \file
/// RP2 user flash (docs/compatibility.md, "Flash"): `rp2.Flash()` covers the filesystem region
/// only, so it can be read, written (only blocks that differ, verified) and erased, but firmware
/// (UF2 or an app binary) cannot go there: those are refused with a pointer to BOOTSEL.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mpytool/flash/flash_transfer.hpp"
#include "mpytool/flash_rp2/export.hpp"

namespace mpytool {
class Mpy;
}

namespace mpytool::flash_rp2 {

/// What flash_info() reports.
struct FlashInfo {
  std::size_t block_size = 0;
  std::size_t block_count = 0;
  FsSignature fs;  ///< what the first 512 bytes hold
  std::size_t size() const noexcept { return block_size * block_count; }
};

/// Reads the geometry and the filesystem signature. Throws MpyError "Flash info not available
/// (RP2 only)".
MPYTOOL_FLASH_RP2_API FlashInfo flash_info(Mpy& mpy);
/// The Python mpytool's text (Platform, Flash size, Block size, Block count, Filesystem).
MPYTOOL_FLASH_RP2_API std::string format_info(const FlashInfo& info);
/// The same as JSON.
MPYTOOL_FLASH_RP2_API std::string info_json(const FlashInfo& info);

/// Reads the whole user flash.
MPYTOOL_FLASH_RP2_API std::string flash_read(Mpy& mpy, const FlashProgress& progress = {});
/// Writes \p data from block 0. Throws ImageError for a UF2 file, MpyError "Data too large: N
/// bytes, flash size: M bytes".
MPYTOOL_FLASH_RP2_API FlashWriteResult flash_write(Mpy& mpy, std::string_view data,
                                                   const FlashProgress& progress = {},
                                                   std::string_view name = "image");
/// Erases the first two blocks, or all with \p full; returns bytes erased.
MPYTOOL_FLASH_RP2_API std::size_t flash_erase(Mpy& mpy, bool full,
                                              const FlashProgress& progress = {});

}  // namespace mpytool::flash_rp2
