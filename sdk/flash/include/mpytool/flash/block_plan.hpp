// SPDX-License-Identifier: MIT
/// \file
/// Which blocks of an image differ from what the board holds (used by the flash and OTA
/// plugins): the board hashes each block of the target region, the host compares with its own
/// blocks and sends only the runs that differ. Re-flashing an identical image is then nearly
/// free, and a write that was cut off resumes where it stopped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/flash/export.hpp"

namespace mpytool {

/// Consecutive blocks to send: blocks [first, first + count).
struct BlockRun {
  std::size_t first = 0;
  std::size_t count = 0;
  bool operator==(const BlockRun&) const = default;
};

/// The first \p hash_len bytes of the SHA-256 of block \p index of \p data (block size
/// \p block); a short last block is padded with 0xFF, as erased flash reads.
MPYTOOL_FLASH_API std::string block_hash(std::string_view data, std::size_t block,
                                         std::size_t index, std::size_t hash_len = 8);

/// The runs of blocks of \p data whose hash differs from \p board (the board's hashes of the
/// same blocks, in order, each \p hash_len bytes; a missing or wrongly sized entry counts as
/// different). Runs longer than \p max_run blocks are split (0: no limit).
MPYTOOL_FLASH_API std::vector<BlockRun> plan_blocks(std::string_view data, std::size_t block,
                                                    const std::vector<std::string>& board,
                                                    std::size_t hash_len = 8,
                                                    std::size_t max_run = 0);

/// Blocks in \p runs.
MPYTOOL_FLASH_API std::size_t blocks_in(const std::vector<BlockRun>& runs);

}  // namespace mpytool
