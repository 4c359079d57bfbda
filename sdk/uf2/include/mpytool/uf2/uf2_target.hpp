// SPDX-License-Identifier: MIT
/// \file
/// Whether a UF2 file fits the board it is about to be copied to: the families its chip's
/// bootrom writes (a foreign-family file is silently ignored by the bootrom, which leaves the
/// drive in place), the flash range, and the RP2040's 256-byte pages. Checked before a byte is
/// copied; the refusal is one line for the user.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/uf2/export.hpp"
#include "mpytool/uf2/uf2_file.hpp"

namespace mpytool::uf2 {

/// The board a UF2 file is meant for.
struct Uf2Target {
  std::string chip;  ///< "RP2040" | "RP2350" (any case); "" when unknown
  /// Bytes of flash from kFlashBase; 0 when unknown (then the 16 MiB window is the limit).
  std::uint32_t flash_size = 0;
};

/// The families whose blocks the bootrom of \p chip writes and boots: RP2040 {0xe48bff56};
/// RP2350 {0xe48bff59, 0xe48bff5a, 0xe48bff5b}. Empty for another chip. Case-insensitive.
MPYTOOL_UF2_API std::vector<std::uint32_t> families_for_chip(std::string_view chip);

/// The chip of a BOOTSEL drive from the Model line of its INFO_UF2.TXT: "Raspberry Pi RP2" ->
/// "RP2040", "Raspberry Pi RP2350" -> "RP2350"; "" for another model.
MPYTOOL_UF2_API std::string chip_from_model(std::string_view model);

/// Why \p info (the file \p name) must not be copied to \p target, in one line, or nullopt when
/// it fits:
/// - no family of the chip: "fw.uf2 is for rp2350-arm-s, the board is an RP2040 (family
///   0xe48bff56)"; a file of absolute or data blocks only: "fw.uf2 has no blocks for the RP2040
///   (family 0xe48bff56), only absolute blocks". Absolute-family blocks (picotool's RP2350 E10
///   block) and data-family blocks next to the chip's own are no mismatch;
/// - the chip's blocks outside its flash: "fw.uf2 writes up to 0x10400000, past the end of the
///   2 MiB flash (0x10200000)", "fw.uf2 writes at 0x20000000, outside the flash
///   (0x10000000-0x10200000)";
/// - RP2040 blocks that are not 256 bytes at 256-aligned addresses (the RP2040 bootrom ignores
///   them): "fw.uf2 has rp2040 blocks that are not 256 bytes at 256-aligned addresses (the RP2040
///   bootrom ignores them)";
/// - an unknown chip: "the board's chip 'X' is not an RP2040 or RP2350".
/// With chip "" only the address range is checked, over every family but absolute and data.
MPYTOOL_UF2_API std::optional<std::string> uf2_mismatch(const Uf2Info& info,
                                                        const Uf2Target& target,
                                                        std::string_view name);

/// "2 MiB", "512 KiB", or "1000 bytes".
MPYTOOL_UF2_API std::string size_text(std::uint64_t bytes);

}  // namespace mpytool::uf2
