// SPDX-License-Identifier: MIT
/// \file
/// UF2 files (microsoft/uf2) as the RP2040 and RP2350 bootroms read them: 512-byte blocks with
/// two start magics, flags, a target address, a payload of at most 476 bytes, the block's number
/// and the count of its family, the family id and an end magic. parse_uf2() checks every block
/// before a byte is copied to a board and sums the file up for `firmware info`: its families,
/// the flash range it writes and the MicroPython version string found in the image.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/uf2/export.hpp"

namespace mpytool::uf2 {

/// Size of every UF2 block.
inline constexpr std::size_t kBlockSize = 512;
/// The largest payload a block can carry (512 - 32 header bytes - 4 end magic bytes).
inline constexpr std::uint32_t kMaxPayload = 476;
/// First start magic ("UF2\n").
inline constexpr std::uint32_t kMagicStart0 = 0x0A324655;
/// Second start magic.
inline constexpr std::uint32_t kMagicStart1 = 0x9E5D5157;
/// End magic, the block's last word.
inline constexpr std::uint32_t kMagicEnd = 0x0AB16F30;

/// Flag: the block is not for the main flash (skipped by flashers and for address ranges).
inline constexpr std::uint32_t kFlagNotMainFlash = 0x00000001;
/// Flag: the block belongs to a file container.
inline constexpr std::uint32_t kFlagFileContainer = 0x00001000;
/// Flag: the word at offset 28 is a family id (otherwise it is a file size).
inline constexpr std::uint32_t kFlagFamilyId = 0x00002000;
/// Flag: an MD5 checksum follows the payload.
inline constexpr std::uint32_t kFlagMd5 = 0x00004000;
/// Flag: extension tags follow the payload.
inline constexpr std::uint32_t kFlagExtensionTags = 0x00008000;
/// Extension tag word (size 4, type 0x9957E3) of a block the RP2 bootroms must not write: the
/// first block of picotool's RP2350 files (the E10 erratum workaround).
inline constexpr std::uint32_t kTagRp2IgnoreBlock = 0x9957E304;

/// RP2040 family id.
inline constexpr std::uint32_t kFamilyRp2040 = 0xE48BFF56;
/// "Absolute" family: written at its address by any RP2350 (picotool's E10 block uses it).
inline constexpr std::uint32_t kFamilyAbsolute = 0xE48BFF57;
/// Data family (RP2350: written, never booted).
inline constexpr std::uint32_t kFamilyData = 0xE48BFF58;
/// RP2350, Arm secure image.
inline constexpr std::uint32_t kFamilyRp2350ArmS = 0xE48BFF59;
/// RP2350, RISC-V image.
inline constexpr std::uint32_t kFamilyRp2350Riscv = 0xE48BFF5A;
/// RP2350, Arm non-secure image.
inline constexpr std::uint32_t kFamilyRp2350ArmNs = 0xE48BFF5B;
/// Where the flash of both chips is mapped (XIP).
inline constexpr std::uint32_t kFlashBase = 0x10000000;

/// The header of one block.
struct Uf2Block {
  std::uint32_t flags = 0;
  std::uint32_t target = 0;        ///< address the payload is written at
  std::uint32_t payload_size = 0;  ///< bytes of payload, at most kMaxPayload
  std::uint32_t block_no = 0;      ///< its number within its family, from 0
  std::uint32_t num_blocks = 0;    ///< how many blocks its family has in the file
  std::uint32_t family = 0;        ///< family id; 0 when kFlagFamilyId is not set
  std::size_t offset = 0;          ///< offset of the block in the file
};

/// The blocks of one family in a file.
struct Uf2Family {
  std::uint32_t id = 0;  ///< family id (0: blocks without one)
  /// family_name(id), or "no family id" for blocks without one.
  std::string name;
  std::size_t blocks = 0;  ///< blocks of this family in the file, ignored ones included
  /// Blocks tagged kTagRp2IgnoreBlock (or shaped as picotool's E10 block): never written, not
  /// numbered with the others, left out of first/end/payload.
  std::size_t ignored = 0;
  std::uint32_t first = 0;  ///< lowest address written (main-flash blocks); 0 when none
  std::uint32_t end = 0;    ///< one past the highest address written; 0 when none
  std::size_t payload = 0;  ///< payload bytes of the main-flash blocks
  /// Every main-flash block carries 256 bytes at a 256-aligned address (what the RP2040
  /// bootrom requires).
  bool page_aligned = true;
};

/// What parse_uf2() found in a file.
struct Uf2Info {
  std::size_t blocks = 0;           ///< every block of the file
  std::vector<Uf2Family> families;  ///< in the order of their first block
  std::uint32_t addr_min = 0;       ///< lowest address written (all families); 0 when none
  std::uint32_t addr_end = 0;       ///< one past the highest; 0 when none
  std::size_t payload_bytes = 0;    ///< payload bytes of the main-flash blocks
  std::string micropython_version;  ///< "v1.28.0"; "" when the image names none
  /// The whole string: "MicroPython v1.28.0 on 2026-10-01; Raspberry Pi Pico with RP2040";
  /// "" when none.
  std::string micropython_banner;
};

/// True when \p bytes start with a block's two start magics.
MPYTOOL_UF2_API bool looks_like_uf2(std::span<const std::uint8_t> bytes);

/// The header of the block at \p offset of \p bytes (which must hold kBlockSize bytes there),
/// without any check.
MPYTOOL_UF2_API Uf2Block read_block(std::span<const std::uint8_t> bytes, std::size_t offset);

/// True for a block the RP2 bootroms skip: flagged kFlagExtensionTags with the tag
/// kTagRp2IgnoreBlock after its payload, or an absolute-family block shaped as picotool's E10
/// block (block 0 of 2, 256 bytes of 0xEF) without the tag. \p block is one 512-byte block.
MPYTOOL_UF2_API bool is_ignored_block(std::span<const std::uint8_t> block);

/// Checks every block of \p bytes and sums the file up. \p name is how the messages call the
/// file. Throws mpytool::UsageError naming the file and, where it applies, the block's index:
/// "fw.uf2: not a UF2 file (no UF2 magic at its start)", "fw.uf2: 1000 bytes is not a multiple
/// of 512 (UF2 blocks)", "fw.uf2: block 7: bad end magic", "fw.uf2: block 7: payload of 500
/// bytes (at most 476)", "fw.uf2: block 7: block number 130 of 120", "fw.uf2: block 7: family
/// rp2040 counts 121 blocks, block 0 counted 120", "fw.uf2: block 7: family rp2040 repeats block
/// number 5", "fw.uf2: family rp2040: 3 of 120 blocks missing (truncated file?)". Blocks flagged
/// kFlagNotMainFlash count but are left out of the ranges and payload sizes; ignored blocks
/// (is_ignored_block) are left out of the numbering too. The MicroPython version is searched
/// for ("MicroPython v") in the payloads concatenated in file order.
MPYTOOL_UF2_API Uf2Info parse_uf2(std::span<const std::uint8_t> bytes, std::string_view name);

/// "rp2040", "absolute", "data", "rp2350-arm-s", "rp2350-riscv", "rp2350-arm-ns", or
/// "0x%08x" for another id.
MPYTOOL_UF2_API std::string family_name(std::uint32_t id);

/// The MicroPython version in a banner: what follows "MicroPython " up to ";" or " on "
/// ("MicroPython v1.28.0 on 2026-10-01; ..." -> "v1.28.0"); "" when \p banner does not start
/// with "MicroPython ".
MPYTOOL_UF2_API std::string version_from_banner(std::string_view banner);

}  // namespace mpytool::uf2
