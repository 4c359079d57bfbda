// SPDX-License-Identifier: MIT
// Block-diff planning: identical regions send nothing, changed blocks come in runs, a board
// that holds only a prefix (an interrupted write) gets exactly the rest, short last blocks
// compare against erased flash (0xFF), and runs split at the limit; filesystem signatures.
#include "mpytool/flash/block_plan.hpp"

#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "mpytool/flash/flash_transfer.hpp"

using mpytool::BlockRun;

namespace mpytool {
std::ostream& operator<<(std::ostream& os, const BlockRun& r) {
  return os << "{" << r.first << "," << r.count << "}";
}
}  // namespace mpytool

namespace {

std::string image(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131) >> 3);
  return s;
}

std::vector<std::string> hashes(const std::string& data, std::size_t block) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i * block < data.size(); ++i) {
    out.push_back(mpytool::block_hash(data, block, i));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(block_plan_test)

BOOST_AUTO_TEST_CASE(identical_image_sends_nothing) {
  const std::string img = image(10 * 4096);
  BOOST_TEST(mpytool::plan_blocks(img, 4096, hashes(img, 4096)).empty());
}

BOOST_AUTO_TEST_CASE(changed_blocks_come_in_runs) {
  const std::string old_img = image(10 * 4096);
  std::string new_img = old_img;
  new_img[4096 * 2 + 5] ^= 1;
  new_img[4096 * 3 + 5] ^= 1;
  new_img[4096 * 7] ^= 1;
  const auto runs = mpytool::plan_blocks(new_img, 4096, hashes(old_img, 4096));
  BOOST_TEST((runs == std::vector<BlockRun>{{2, 2}, {7, 1}}));
  BOOST_TEST(mpytool::blocks_in(runs) == 3u);
}

BOOST_AUTO_TEST_CASE(interrupted_write_resumes_with_the_rest) {
  const std::string img = image(8 * 4096 + 100);  // a short last block
  std::vector<std::string> board = hashes(img, 4096);
  board.resize(5);  // the board holds the first five blocks only...
  for (std::size_t i = 5; i < 9; ++i) board.push_back(mpytool::block_hash("", 4096, 0));  // erased
  const auto runs = mpytool::plan_blocks(img, 4096, board);
  BOOST_TEST((runs == std::vector<BlockRun>{{5, 4}}));
  // Missing or malformed hashes count as different.
  BOOST_TEST((mpytool::plan_blocks(img, 4096, {}) == std::vector<BlockRun>{{0, 9}}));
  BOOST_TEST((mpytool::plan_blocks(img, 4096, {"short"}) == std::vector<BlockRun>{{0, 9}}));
}

BOOST_AUTO_TEST_CASE(short_last_block_compares_with_erased_flash) {
  const std::string img = image(4096 + 10);
  std::string flash = img + std::string(4086, '\xff');
  BOOST_TEST(mpytool::block_hash(img, 4096, 1) == mpytool::block_hash(flash, 4096, 1));
  BOOST_TEST(mpytool::plan_blocks(img, 4096, hashes(flash, 4096)).empty());
}

BOOST_AUTO_TEST_CASE(runs_split_at_the_limit) {
  const std::string img = image(10 * 1024);
  const auto runs = mpytool::plan_blocks(img, 1024, {}, 8, 4);
  BOOST_TEST((runs == std::vector<BlockRun>{{0, 4}, {4, 4}, {8, 2}}));
  BOOST_CHECK_THROW(mpytool::plan_blocks(img, 0, {}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(filesystem_signatures) {
  std::string lfs(512, '\xff');
  lfs.replace(8, 8, "littlefs");
  BOOST_TEST(mpytool::detect_filesystem(lfs).type == "littlefs2");
  std::string fat(512, '\0');
  fat[11] = 0x00;
  fat[12] = 0x02;  // 512 bytes per sector
  fat[13] = 8;     // 8 sectors per cluster
  fat.replace(54, 8, "FAT16   ");
  fat[510] = '\x55';
  fat[511] = '\xaa';
  const auto f = mpytool::detect_filesystem(fat);
  BOOST_TEST(f.type == "fat16");
  BOOST_TEST(f.cluster == 4096u);
  const auto blank = mpytool::detect_filesystem(std::string(512, '\xff'));
  BOOST_TEST(blank.type == "unknown");
  BOOST_TEST(blank.magic.substr(0, 11) == "ff ff ff ff");
}

BOOST_AUTO_TEST_SUITE_END()
