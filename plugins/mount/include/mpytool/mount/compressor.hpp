// SPDX-License-Identifier: MIT
/// \file
/// The host's half of a session-long deflate stream. The agent keeps one DeflateIO for all
/// replies, so a reply may refer back to earlier ones: fifty small modules that share their
/// vocabulary shrink to about 30 KB instead of 40 KB when each is compressed alone. Every piece
/// ends with a sync flush, so the board inflates exactly the bytes of each reply.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "mpytool/link/conn.hpp"
#include "mpytool/mount/export.hpp"

namespace mpytool::mount {

/// Compresses reply payloads into one raw deflate stream with a 2^wbits window.
class MPYTOOL_MOUNT_API StreamCompressor {
 public:
  /// A stream whose window the board can hold (wbits 9..15).
  explicit StreamCompressor(int wbits);
  ~StreamCompressor();
  StreamCompressor(const StreamCompressor&) = delete;
  StreamCompressor& operator=(const StreamCompressor&) = delete;

  /// Starts a new stream (the board asked for one with kStreamReset).
  void reset();

  /// The kDeflated payload for \p data: u16 raw length, then the next piece of the stream. Or
  /// nullopt when \p data is short or does not shrink by a tenth alone (random data): then the
  /// stream is left as it was and \p data travels raw.
  std::optional<Bytes> pack(std::string_view data);

  /// Payloads shorter than this always travel raw.
  static constexpr std::size_t kMinSize = 64;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpytool::mount
