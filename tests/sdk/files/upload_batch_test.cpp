// SPDX-License-Identifier: MIT
// Which uploads share one deflate stream, and the open frame that announces them.
#include "upload_batch.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace files = mpytool::files;
using files::UploadItem;

namespace {

std::vector<UploadItem> small_files(std::size_t n, std::size_t size = 1000) {
  std::vector<UploadItem> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back({std::string(size, 'a'), "/lib/m" + std::to_string(i) + ".py", std::nullopt});
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(upload_batch_test)

BOOST_AUTO_TEST_CASE(small_files_in_a_row_share_a_batch) {
  const auto items = small_files(5);
  BOOST_TEST(files::batch_end(items, 0, 4096, std::nullopt) == 5u);
  BOOST_TEST(files::batch_end(items, 3, 4096, std::nullopt) == 5u);
}

BOOST_AUTO_TEST_CASE(a_big_file_ends_the_batch_and_goes_alone) {
  auto items = small_files(4);
  items[2].data.assign(files::kBatchFileMax, 'b');
  BOOST_TEST(files::batch_end(items, 0, 4096, std::nullopt) == 2u);
  BOOST_TEST(files::batch_end(items, 2, 4096, std::nullopt) == 2u);  // no batch: on its own
  BOOST_TEST(files::batch_end(items, 3, 4096, std::nullopt) == 4u);
}

BOOST_AUTO_TEST_CASE(empty_files_join_a_batch) {
  auto items = small_files(3);
  items[1].data.clear();
  BOOST_TEST(files::batch_end(items, 0, 4096, std::nullopt) == 3u);
}

BOOST_AUTO_TEST_CASE(files_not_to_compress_stay_out) {
  auto items = small_files(4);
  items[1].compress = false;
  BOOST_TEST(files::batch_end(items, 0, 4096, std::nullopt) == 1u);
  BOOST_TEST(files::batch_end(items, 2, 4096, std::nullopt) == 4u);
  // -z off for all: no batches; a file's own request still counts.
  items[2].compress = true;
  BOOST_TEST(files::batch_end(items, 2, 4096, false) == 3u);
}

BOOST_AUTO_TEST_CASE(batches_are_bounded_in_bytes_files_and_open_frame) {
  // 64 KiB of content: nine files of 8000 bytes are too many.
  BOOST_TEST(files::batch_end(small_files(9, 8000), 0, 4096, std::nullopt) == 8u);
  BOOST_TEST(files::batch_end(small_files(40, 10), 0, 4096, std::nullopt) == files::kBatchFiles);
  // "/lib/mN.py": 10 or 11 bytes of path and 7 of size and separators, after the mode byte.
  BOOST_TEST(files::batch_end(small_files(10), 0, 1 + 3 * 17, std::nullopt) == 3u);
  // The open frame that batch_end() allowed fits; one more file would not (5-digit sizes: the
  // bound batch_end() assumes).
  const auto items = small_files(10, 10000);
  const std::size_t end = files::batch_end(items, 0, 100, std::nullopt);
  BOOST_TEST(files::open_payload(items, 0, end, true).size() <= 100u);
  BOOST_TEST(files::open_payload(items, 0, end + 1, true).size() > 100u);
}

BOOST_AUTO_TEST_CASE(files_sharing_a_temporary_name_go_in_different_batches) {
  auto items = small_files(3);
  items[2].remote = items[0].remote;  // the same target twice
  BOOST_TEST(files::batch_end(items, 0, 4096, std::nullopt) == 2u);
  // Names too long for their own temporary name share "dir/.mpytool.mpytmp".
  items[0].remote = "/d/" + std::string(245, 'x');
  items[1].remote = "/d/" + std::string(246, 'y');
  BOOST_TEST(files::batch_end(items, 0, 4096, std::nullopt) == 1u);
}

BOOST_AUTO_TEST_CASE(open_payload_lists_size_and_path_per_file) {
  std::vector<UploadItem> items{
      {"abc", "/a.py", std::nullopt}, {"", "/d/e.py", std::nullopt}, {"12345", "/f", std::nullopt}};
  using namespace std::string_literals;
  BOOST_TEST(files::open_payload(items, 0, 3, true) ==
             "z\0"
             "3\0/a.py\0"
             "0\0/d/e.py\0"
             "5\0/f"s);
  // One file: the single upload's "mode\0size\0path".
  BOOST_TEST(files::open_payload(items, 2, 3, false) ==
             "r\0"
             "5\0/f"s);
}

BOOST_AUTO_TEST_SUITE_END()
