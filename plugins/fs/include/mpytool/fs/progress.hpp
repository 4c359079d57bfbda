// SPDX-License-Identifier: MIT
/// \file
/// The text of cp's per-file progress lines and its summary (docs/compatibility.md, "cp" "Per-file
/// line formats", "Summary"), as pure functions so that the formats are unit-tested. The command
/// decides where the lines go (Output::progress() for lines that are overwritten in place,
/// Output::verbose() for lines that stay) and at which verbosity.
///
/// Example of a batch at the default verbosity (the counter line is overwritten in place on a
/// terminal, the "->" line stays):
///
///       [2/9]  45%  1.38M lib/big.bin
///      1.38M lib/big.bin -> :lib/big.bin
///      66.9K  29.7K/s  2.3s  speedup 6.5x  (3 transferred, 6 unchanged)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mpytool/base/json.hpp"
#include "mpytool/fs/export.hpp"

namespace mpytool::fs {

/// Number of characters \p text takes on a terminal: UTF-8 code points (continuation bytes do
/// not count).
MPYTOOL_FS_API std::size_t display_width(std::string_view text);

/// "[n/total]" with n right-aligned to the width of total ("[ 3/12]"); "" when total <= 1.
MPYTOOL_FS_API std::string format_counter(std::size_t n, std::size_t total);

/// The status column: `{pct:3d}%` of \p done out of \p total (" 45%", "100%"); an empty file
/// is "100%".
MPYTOOL_FS_API std::string format_percent(std::int64_t done, std::int64_t total);

/// The note after a verbose line: "  (compressed)", "  (base64)", "  (base64, compressed)",
/// "  (unchanged)" when \p unchanged, "" for raw binary.
MPYTOOL_FS_API std::string format_note(const std::set<std::string>& encodings,
                                       bool unchanged = false);

/// One file of a batch as the lines show it.
struct ProgressItem {
  std::string src;        ///< as displayed: relative local path, or ":board/path"
  std::string dst;        ///< as displayed
  std::int64_t size = 0;  ///< content bytes
};

/// Column widths shared by all lines of one batch.
struct ProgressLayout {
  std::size_t total = 0;      ///< files in the batch (the counter's denominator)
  std::size_t src_width = 0;  ///< widest src
  std::size_t dst_width = 0;  ///< widest dst
};

/// The layout of a batch of \p items.
MPYTOOL_FS_API ProgressLayout make_layout(const std::vector<ProgressItem>& items);

/// A `-v` line: `{counter:>7} {status} {size:>5} {src:<src_w} -> {dst:<dst_w}{note}`, without
/// trailing spaces. \p n counts from 1; \p status is format_percent() or "skip".
MPYTOOL_FS_API std::string format_verbose_line(const ProgressLayout& layout, std::size_t n,
                                               std::string_view status, const ProgressItem& item,
                                               std::string_view note = {});

/// The default level's line during a transfer: `{counter:>7} {status} {size:>5} {src}`.
MPYTOOL_FS_API std::string format_compact_line(const ProgressLayout& layout, std::size_t n,
                                               std::string_view status, const ProgressItem& item);

/// The default level's line of a completed file: ` {size:>5} {src} -> {dst}`.
MPYTOOL_FS_API std::string format_done_line(const ProgressItem& item);

/// Totals of a cp run.
struct CopySummary {
  std::size_t transferred = 0;     ///< files sent
  std::size_t unchanged = 0;       ///< files skipped because the destination was identical
  std::int64_t bytes = 0;          ///< content bytes of the transferred files
  std::int64_t total_bytes = 0;    ///< content bytes of all files, unchanged ones included
  std::int64_t wire_bytes = 0;     ///< bytes that crossed the link for the transferred contents
  double seconds = 0;              ///< elapsed time of the batch
  std::int64_t round_trips = 0;    ///< board exchanges and waits of the whole command (JSON only)
  std::string transfer;            ///< "stream", "text" or "" when nothing was transferred (JSON)
  std::int64_t frames_resent = 0;  ///< frames sent again after the board found them damaged
  /// Downloads: (board directory, name) of each listed name that was refused as not a plain
  /// file name (JSON only; the command warns about each).
  std::vector<std::pair<std::string, std::string>> refused;
};

/// The summary line: ` {size}  {speed}/s  {secs:.1f}s[  wire {size}][  speedup {x:.1f}x]
/// ({files})[  N frames resent]`. The speedup (total_bytes / wire_bytes) shows when wire_bytes > 0
/// and total_bytes > wire_bytes, so it counts both compression and skipped files; the wire size
/// shows with \p show_wire (-v). files: "N transferred, M unchanged" when some were unchanged,
/// else "N files" ("1 file").
MPYTOOL_FS_API std::string format_summary(const CopySummary& summary, bool show_wire = false);

/// The batch header: "COPY", or with \p details (-v) "COPY (chunk: 16K, compress: auto,
/// transfer: stream)". The chunk shows in K when it is a multiple of 1024; \p compress nullopt
/// is "auto"; an empty \p transfer is left out.
MPYTOOL_FS_API std::string format_copy_header(bool details, std::optional<int> chunk = {},
                                              std::optional<bool> compress = {},
                                              std::string_view transfer = {});

/// One file in the JSON summary.
struct CopyRecord {
  std::string src;  ///< source as given ("dir/a.py", ":lib/a.py")
  std::string dst;  ///< destination ("dir/a.py", ":lib/a.py")
  std::int64_t size = 0;
  bool unchanged = false;           ///< skipped: the destination was identical
  std::set<std::string> encodings;  ///< of a transferred file
  std::int64_t wire_bytes = 0;      ///< of a transferred file
};

/// `cp --json`: one line, `{"files":N,"transferred":T,"unchanged":U,"bytes":B,
/// "total_bytes":TB,"wire_bytes":W,"seconds":S,"items":[{"src":..,"dst":..,"size":..,
/// "status":"transferred"|"unchanged","encodings":[..],"wire_bytes":..},..]}`, and when a
/// download refused board names `,"refused":[{"dir":":/d","name":"../x"},..]` before "items".
MPYTOOL_FS_API std::string format_json_summary(const CopySummary& summary,
                                               const std::vector<CopyRecord>& items);

/// \p text as a JSON string literal (quotes, backslashes and control characters escaped; other
/// bytes pass through, so UTF-8 stays UTF-8).

using mpytool::json_quote;  // core/include/mpytool/json.hpp

}  // namespace mpytool::fs
