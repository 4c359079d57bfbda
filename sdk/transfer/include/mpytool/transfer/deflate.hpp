// SPDX-License-Identifier: MIT
// Host-side zlib streams for transfers: one deflate stream per uploaded file, cut into frame-
// sized pieces, each with the number of bytes it lets the board inflate (its DeflateIO pulls
// input and must never run dry), and a streaming inflater for compressed downloads. Private to
// libmpytool-files (exported for the unit tests).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/transfer/export.hpp"

namespace mpytool::stream {

/// A piece of a compressed file: after the pieces before it, `data` lets an inflater that
/// reads its input bit by bit on demand (uzlib, the board's DeflateIO) produce exactly
/// `raw_size` more bytes without reading past its end.
struct DeflateSegment {
  std::size_t raw_size = 0;
  std::string data;
};

/// Compresses \p data as one zlib stream with a window of 2^wbits: libdeflate at its best level
/// for a 32 KiB window (about 4% smaller than zlib -9), zlib level 9 for smaller windows.
MPYTOOL_TRANSFER_API std::string compress_stream(std::string_view data, int wbits);

/// Cuts a zlib stream into pieces of at most \p piece bytes and finds, by inflating it, how many
/// bytes each piece completes (a symbol split between pieces counts for the later one).
MPYTOOL_TRANSFER_API std::vector<DeflateSegment> cut_stream(std::string_view stream,
                                                            std::size_t piece);

/// compress_stream() then cut_stream().
MPYTOOL_TRANSFER_API std::vector<DeflateSegment> deflate_segments(std::string_view data,
                                                                  std::size_t piece, int wbits);

/// Total compressed size of \p segments.
MPYTOOL_TRANSFER_API std::size_t segments_size(const std::vector<DeflateSegment>& segments);

/// The segments of \p data (pieces of at most \p piece bytes) when compressing pays, nullopt
/// when it goes raw: \p want true always compresses, false never; otherwise data of at least
/// \p min_size bytes is compressed when its stream saves at least 10 %.
MPYTOOL_TRANSFER_API std::optional<std::vector<DeflateSegment>> segments_if_worth(
    std::string_view data, std::size_t piece, int wbits, std::optional<bool> want,
    std::size_t min_size = 0);

/// Window bits for a board with \p mem_free bytes of heap (after the agent's own buffers): the
/// largest of 10..15 whose window takes at most a third of it.
MPYTOOL_TRANSFER_API int window_bits_for(std::int64_t mem_free);

/// Streaming zlib inflater (any window). Throws MpyError on corrupt data.
class MPYTOOL_TRANSFER_API Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  /// Appends the output of \p in to \p out.
  void feed(std::string_view in, std::string& out);
  /// Passes the output of \p in to \p sink in pieces of at most 16 KiB, as they come (what
  /// a frame inflates to is never held whole).
  void feed(std::string_view in, const std::function<void(std::string_view)>& sink);
  /// True once the stream's end (and checksum) was seen.
  bool finished() const noexcept { return finished_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool finished_ = false;
};

}  // namespace mpytool::stream
