// SPDX-License-Identifier: MIT
// Host-side zlib streams for transfers: one deflate stream per uploaded file, cut into
// segments at sync-flush points so the board can inflate exactly the bytes each segment holds
// (its DeflateIO pulls input and must never run dry), and a streaming inflater for compressed
// downloads. Private to libmpytool-fs (exported for the unit tests).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/fs/export.hpp"

namespace mpytool::fs {

/// A piece of a compressed file: inflating `data` (after the segments before it) yields
/// exactly `raw_size` more bytes.
struct DeflateSegment {
  std::size_t raw_size = 0;
  std::string data;
};

/// Compresses \p data as one zlib stream (level 9, window 2^wbits) with a sync flush after
/// every \p segment input bytes; the last segment also ends the stream.
MPYTOOL_FS_API std::vector<DeflateSegment> deflate_segments(std::string_view data,
                                                            std::size_t segment, int wbits);

/// Total compressed size of \p segments.
MPYTOOL_FS_API std::size_t segments_size(const std::vector<DeflateSegment>& segments);

/// Window bits for a board with \p mem_free bytes of heap: the largest of 10..15 whose window
/// takes at most a quarter of it.
MPYTOOL_FS_API int window_bits_for(std::int64_t mem_free);

/// Streaming zlib inflater (any window). Throws MpyError on corrupt data.
class MPYTOOL_FS_API Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  /// Appends the output of \p in to \p out.
  void feed(std::string_view in, std::string& out);
  /// True once the stream's end (and checksum) was seen.
  bool finished() const noexcept { return finished_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool finished_ = false;
};

}  // namespace mpytool::fs
