// SPDX-License-Identifier: MIT
/// \file
/// The frame codec of the streaming transfer agent (core/helpers/stream.py), which plugins
/// use to move bulk data at the wire's speed (files, flash blocks). A frame is
/// `0xA5, type, length (u16 LE), CRC-32 (u32 LE) of type + length + payload, payload`, the
/// same in both directions, except that the CRC of the host's sequenced frames (all but sync)
/// starts with their sequence number (u8), so that a repeated or skipped frame fails the
/// check like a damaged one. The decoder also recognises the end of the agent's program: a
/// 0x04 byte where a frame would start (the raw REPL's end-of-output marker).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "mpytool/transfer/export.hpp"

namespace mpytool::stream {

/// First byte of every frame.
inline constexpr unsigned char kFrameMagic = 0xA5;
/// Header bytes before the payload.
inline constexpr std::size_t kFrameHeaderSize = 8;
/// Largest payload of any frame. A session uses min(this, the chunk size) (the agent's frame
/// buffer); MpyComm's recovery sends more Ctrl-C bytes than one frame to release an agent left
/// waiting for one.
inline constexpr std::size_t kMaxFramePayload = 4096;

/// Frame types (ASCII letters) of the agent itself. A plugin's operations use other letters
/// (the fs plugin: O open an upload, G get, K done, S size; the flash plugins: W, R).
namespace frame {
inline constexpr char kProbe = 'P';   ///< both ways: probe payload, echoed by the board
inline constexpr char kData = 'D';    ///< both ways: stream data
inline constexpr char kEnd = 'E';     ///< both ways: end of a data stream (+ its SHA-256)
inline constexpr char kQuit = 'Q';    ///< host: leave the agent
inline constexpr char kAbort = 'A';   ///< host: drop the current operation and leave
inline constexpr char kHello = 'H';   ///< board: "flags mem_free"
inline constexpr char kCredit = 'C';  ///< board: u32 LE stream limit the host may send up to
inline constexpr char kOk = 'K';      ///< board: an operation finished ("result")
inline constexpr char kError = 'X';   ///< board: "errno message" for the current operation
inline constexpr char kSync = 's';    ///< host: resynchronise (answers had u32, stream offset u32)
inline constexpr char kNak = 'n';     ///< board: a frame arrived damaged (frames taken u32)
inline constexpr char kResynced = 'r';  ///< board: back in step (frames taken, answers, host's)
}  // namespace frame

/// One decoded frame.
struct Frame {
  char type = 0;
  std::string payload;
};

/// CRC-32 (zlib polynomial) of the type, length and payload, as the header carries it.
MPYTOOL_TRANSFER_API std::uint32_t frame_crc(char type, std::string_view payload);

/// Encodes one frame. Throws std::length_error if \p payload exceeds 65535 bytes.
MPYTOOL_TRANSFER_API std::string encode_frame(char type, std::string_view payload = {});
/// Encodes one of the host's sequenced frames: its CRC starts with \p seq (the number of
/// sequenced frames sent before it, mod 256).
MPYTOOL_TRANSFER_API std::string encode_frame(char type, std::string_view payload,
                                              std::uint8_t seq);

/// Incremental decoder for the board's output while the agent runs.
class MPYTOOL_TRANSFER_API FrameDecoder {
 public:
  /// Appends received bytes.
  void feed(std::string_view data);
  /// The next complete frame, or nullopt when more bytes are needed or the program ended.
  /// Bytes that do not make a frame (a bad magic byte, an oversized length, a CRC mismatch)
  /// are skipped one at a time until a frame checks again: the CRC decides, not the magic
  /// byte alone. While skipping, a 0x04 ends the program only when "\x04>" follows with no
  /// other 0x04 and no intact frame between them; until "\x04>" comes such a 0x04 waits (it
  /// is skipped once an intact frame is behind it, or by drop_held()).
  std::optional<Frame> next();
  /// Bytes skipped so far as not part of any frame.
  std::int64_t skipped() const noexcept { return skipped_; }
  /// The bytes skipped since the last trim_garbage(): what a board printed instead of frames
  /// (a boot banner after a reset), for the caller to recognise. Nothing is dropped until the
  /// caller has looked, however much one feed() brought.
  const std::string& recent_garbage() const noexcept { return garbage_; }
  /// Forgets the skipped bytes the caller has looked at, all but the last \p keep (a sign split
  /// between two reads).
  void trim_garbage(std::size_t keep) {
    if (garbage_.size() > keep) garbage_.erase(0, garbage_.size() - keep);
  }
  /// True once a 0x04 appeared where a frame would start: the agent's program ended.
  bool ended() const noexcept { return ended_; }
  /// True if bytes are held that make no whole frame yet (a frame on its way, or a damaged
  /// length that claims more than will ever come).
  bool holding() const noexcept { return !ended_ && pos_ < buf_.size(); }
  /// Gives up on the first byte held (the sender fell silent: it was no frame's start).
  void drop_held() { skip_one(); }
  /// After ended(): the bytes that followed the 0x04 (the start of the traceback framing).
  std::string take_rest();

 private:
  std::string buf_;
  std::size_t pos_ = 0;
  bool ended_ = false;
  bool lost_ = false;  ///< skipping: the last bytes made no frame
  std::int64_t skipped_ = 0;
  std::string garbage_;
  enum class EndCheck { kYes, kNo, kWait };
  void skip_one();
  EndCheck end_after_loss() const;
  bool frame_after(std::size_t from, std::size_t until) const;
};

}  // namespace mpytool::stream
