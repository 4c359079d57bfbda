// SPDX-License-Identifier: MIT
#include "mpytool/flash/block_plan.hpp"

#include <algorithm>
#include <stdexcept>

#include "mpytool/base/digest.hpp"

namespace mpytool {

std::string block_hash(std::string_view data, std::size_t block, std::size_t index,
                       std::size_t hash_len) {
  if (block == 0) throw std::invalid_argument("block size 0");
  const std::size_t start = index * block;
  std::string chunk(start < data.size() ? data.substr(start, block) : std::string_view());
  chunk.resize(block, '\xff');
  return sha256(chunk).substr(0, hash_len);
}

std::vector<BlockRun> plan_blocks(std::string_view data, std::size_t block,
                                  const std::vector<std::string>& board, std::size_t hash_len,
                                  std::size_t max_run) {
  if (block == 0) throw std::invalid_argument("block size 0");
  const std::size_t blocks = (data.size() + block - 1) / block;
  std::vector<BlockRun> runs;
  for (std::size_t i = 0; i < blocks; ++i) {
    const bool same = i < board.size() && board[i].size() == hash_len &&
                      board[i] == block_hash(data, block, i, hash_len);
    if (same) continue;
    if (!runs.empty() && runs.back().first + runs.back().count == i &&
        (max_run == 0 || runs.back().count < max_run)) {
      ++runs.back().count;
    } else {
      runs.push_back({i, 1});
    }
  }
  return runs;
}

std::size_t blocks_in(const std::vector<BlockRun>& runs) {
  std::size_t n = 0;
  for (const auto& r : runs) n += r.count;
  return n;
}

}  // namespace mpytool
