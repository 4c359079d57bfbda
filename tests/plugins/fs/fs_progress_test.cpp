// SPDX-License-Identifier: MIT
// cp's progress lines, summary and JSON summary (docs/compatibility.md, "cp").
#include <boost/test/unit_test.hpp>

#include "mpytool/fs/progress.hpp"

using namespace mpytool::fs;

BOOST_AUTO_TEST_SUITE(fs_progress_test)

BOOST_AUTO_TEST_CASE(counter_is_right_aligned_and_empty_for_one_file) {
  BOOST_TEST(format_counter(1, 0) == "");
  BOOST_TEST(format_counter(1, 1) == "");
  BOOST_TEST(format_counter(1, 2) == "[1/2]");
  BOOST_TEST(format_counter(3, 12) == "[ 3/12]");
  BOOST_TEST(format_counter(12, 12) == "[12/12]");
  BOOST_TEST(format_counter(7, 100) == "[  7/100]");
}

BOOST_AUTO_TEST_CASE(percent_column) {
  BOOST_TEST(format_percent(0, 100) == "  0%");
  BOOST_TEST(format_percent(45, 100) == " 45%");
  BOOST_TEST(format_percent(999, 1000) == " 99%");
  BOOST_TEST(format_percent(1000, 1000) == "100%");
  BOOST_TEST(format_percent(0, 0) == "100%");
  BOOST_TEST(format_percent(5000, 1000) == "100%");
}

BOOST_AUTO_TEST_CASE(notes) {
  BOOST_TEST(format_note({}) == "");
  BOOST_TEST(format_note({"compressed"}) == "  (compressed)");
  BOOST_TEST(format_note({"base64"}) == "  (base64)");
  BOOST_TEST(format_note({"compressed", "base64"}) == "  (base64, compressed)");
  BOOST_TEST(format_note({"compressed"}, true) == "  (unchanged)");
}

BOOST_AUTO_TEST_CASE(display_width_counts_code_points) {
  BOOST_TEST(display_width("") == 0u);
  BOOST_TEST(display_width("abc") == 3u);
  BOOST_TEST(display_width("\xc5\xbelt\xc3\xa1.py") == 7u);  // "žltá.py"
  BOOST_TEST(display_width("\xe2\x82\xac") == 1u);           // "€"
}

BOOST_AUTO_TEST_CASE(layout_takes_batch_maxima) {
  ProgressLayout l = make_layout({{"a.py", ":a.py", 1}, {"lib/\xc3\xa1.py", ":lib/x", 2}});
  BOOST_TEST(l.total == 2u);
  BOOST_TEST(l.src_width == 8u);
  BOOST_TEST(l.dst_width == 6u);
}

BOOST_AUTO_TEST_CASE(verbose_lines_align_columns) {
  std::vector<ProgressItem> items{{"a.py", ":a.py", 23}, {"lib/long.py", ":lib/long.py", 3103}};
  ProgressLayout l = make_layout(items);
  BOOST_TEST(format_verbose_line(l, 1, format_percent(10, 23), items[0], "") ==
             "  [1/2]  43%   23B a.py        -> :a.py");
  BOOST_TEST(format_verbose_line(l, 1, "100%", items[0], format_note({"compressed"})) ==
             "  [1/2] 100%   23B a.py        -> :a.py         (compressed)");
  BOOST_TEST(format_verbose_line(l, 2, "skip", items[1], format_note({}, true)) ==
             "  [2/2] skip 3.03K lib/long.py -> :lib/long.py  (unchanged)");
}

BOOST_AUTO_TEST_CASE(single_file_lines_have_an_empty_counter_field) {
  ProgressItem item{"f.py", ":f.py", 1024};
  ProgressLayout l = make_layout({item});
  BOOST_TEST(format_verbose_line(l, 1, "100%", item, "") == "        100% 1.00K f.py -> :f.py");
  BOOST_TEST(format_compact_line(l, 1, " 50%", item) == "         50% 1.00K f.py");
}

BOOST_AUTO_TEST_CASE(compact_and_done_lines) {
  std::vector<ProgressItem> items(9, ProgressItem{"lib/big.bin", ":lib/big.bin", 1447034});
  ProgressLayout l = make_layout(items);
  BOOST_TEST(format_compact_line(l, 2, " 45%", items[1]) == "  [2/9]  45% 1.38M lib/big.bin");
  BOOST_TEST(format_done_line(items[1]) == " 1.38M lib/big.bin -> :lib/big.bin");
  BOOST_TEST(format_done_line({"\xc3\xa1 b", ":\xc3\xa1 b", 0}) ==
             "    0B \xc3\xa1 b -> :\xc3\xa1 b");
}

BOOST_AUTO_TEST_CASE(summary_matches_the_python_mpytool_example) {
  CopySummary s;
  s.transferred = 3;
  s.unchanged = 6;
  s.bytes = 68506;  // 66.9K
  s.seconds = 2.3;
  s.total_bytes = 445289;  // 6.5 times the wire bytes
  s.wire_bytes = 68506;
  BOOST_TEST(format_summary(s) ==
             " 66.9K  29.1K/s  2.3s  speedup 6.5x  (3 transferred, 6 unchanged)");
}

BOOST_AUTO_TEST_CASE(summary_counts_files_and_hides_speedup_without_gain) {
  CopySummary s;
  s.transferred = 1;
  s.bytes = s.total_bytes = 2048;
  s.wire_bytes = 2100;  // more on the wire than content: no speedup
  s.seconds = 1.0;
  BOOST_TEST(format_summary(s) == " 2.00K  2.00K/s  1.0s  (1 file)");
  s.transferred = 2;
  BOOST_TEST(format_summary(s) == " 2.00K  2.00K/s  1.0s  (2 files)");
  BOOST_TEST(format_summary(s, true) == " 2.00K  2.00K/s  1.0s  wire 2.05K  (2 files)");
  s.wire_bytes = 1024;
  BOOST_TEST(format_summary(s, true) ==
             " 2.00K  2.00K/s  1.0s  wire 1.00K  speedup 2.0x  (2 files)");
}

BOOST_AUTO_TEST_CASE(summary_of_nothing_transferred) {
  CopySummary s;
  s.unchanged = 4;
  s.total_bytes = 4000;
  s.seconds = 0;  // no division by zero
  BOOST_TEST(format_summary(s) == " 0B  0B/s  0.0s  (0 transferred, 4 unchanged)");
}

BOOST_AUTO_TEST_CASE(copy_header) {
  BOOST_TEST(format_copy_header(false, 16384, true, "stream") == "COPY");
  BOOST_TEST(format_copy_header(true, 16384, true, "stream") ==
             "COPY (chunk: 16K, compress: on, transfer: stream)");
  BOOST_TEST(format_copy_header(true, 5000, false) == "COPY (chunk: 5000, compress: off)");
  BOOST_TEST(format_copy_header(true, 512, std::nullopt) == "COPY (chunk: 512, compress: auto)");
  BOOST_TEST(format_copy_header(true) == "COPY (compress: auto)");
}

BOOST_AUTO_TEST_CASE(json_quote_escapes) {
  BOOST_TEST(json_quote("a") == "\"a\"");
  BOOST_TEST(json_quote("q\"b\\s") == "\"q\\\"b\\\\s\"");
  BOOST_TEST(json_quote("n\nt\t\x01") == "\"n\\nt\\t\\u0001\"");
  BOOST_TEST(json_quote("\xc3\xa1") == "\"\xc3\xa1\"");
}

BOOST_AUTO_TEST_CASE(json_summary) {
  CopySummary s;
  s.transferred = 1;
  s.unchanged = 1;
  s.bytes = 10;
  s.total_bytes = 15;
  s.wire_bytes = 8;
  s.seconds = 0.25;
  s.round_trips = 4;
  s.transfer = "stream";
  CopyRecord a{"a.py", ":a.py", 10, false, {"compressed"}, 8};
  CopyRecord b{"b \"q\".py", ":b \"q\".py", 5, true, {}, 0};
  BOOST_TEST(format_json_summary(s, {a, b}) ==
             R"({"files":2,"transferred":1,"unchanged":1,"bytes":10,"total_bytes":15,)"
             R"("wire_bytes":8,"seconds":0.250,"round_trips":4,"transfer":"stream","items":[)"
             R"({"src":"a.py","dst":":a.py","size":10,"status":"transferred",)"
             R"("encodings":["compressed"],"wire_bytes":8},)"
             R"({"src":"b \"q\".py","dst":":b \"q\".py","size":5,"status":"unchanged",)"
             R"("encodings":[],"wire_bytes":0}]})");
  BOOST_TEST(format_json_summary({}, {}) ==
             R"({"files":0,"transferred":0,"unchanged":0,"bytes":0,"total_bytes":0,)"
             R"("wire_bytes":0,"seconds":0.000,"round_trips":0,"transfer":"","items":[]})");
}

BOOST_AUTO_TEST_SUITE_END()
