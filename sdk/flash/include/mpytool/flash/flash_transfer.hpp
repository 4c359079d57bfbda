// SPDX-License-Identifier: MIT
/// \file
/// Reading, writing and erasing a block device on the board (an esp32.Partition, rp2.Flash),
/// for the flash and OTA plugins. Writes compare per-block hashes first and send only the
/// blocks that differ (an identical image costs one round trip; an interrupted write resumes),
/// then check the region's SHA-256 on the board before anything depends on it.
///
/// Transport: the streaming transfer agent (stream/session.hpp): every differing run of blocks
/// is one W operation whose data travels as binary frames within the board's credit, as one
/// deflate stream when the board can inflate and it pays; reads stream back as one R
/// operation (deflated when the board can compress). Where the link is not binary-clean (the
/// probe fails) or `--transfer text` is set: the Python mpytool's method, one exec per run of up to four
/// blocks, base64, deflated when it pays. The choice follows transfer_settings(mpy)
/// (transfer/settings.hpp).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/flash/block_plan.hpp"
#include "mpytool/flash/export.hpp"
#include "mpytool/transfer/session.hpp"

namespace mpytool {

class Mpy;

/// A block device on the board.
struct BlockDevice {
  std::string expr;  ///< Python expression that gives the device object
  std::size_t block_size = 4096;
  std::size_t size = 0;  ///< bytes
};

/// Progress: bytes done of total.
using FlashProgress = std::function<void(std::size_t done, std::size_t total)>;

/// What FlashTransfer::write() did.
struct FlashWriteResult {
  std::size_t bytes = 0;           ///< image size
  std::size_t blocks = 0;          ///< blocks the image covers
  std::size_t blocks_written = 0;  ///< blocks that differed and were sent
  std::size_t wire_bytes = 0;      ///< bytes sent for the blocks (frames, or base64 programs)
  bool compressed = false;         ///< at least one block travelled deflated
  std::string path;                ///< "stream" or "text": how the blocks travelled
  std::string sha256;              ///< hex SHA-256 of the image, as the board computed it
};

/// What detect_filesystem() found in a device's first 512 bytes.
struct FsSignature {
  std::string type;         ///< "littlefs2", "fat12", "fat16", "fat32", "exfat", "fat" or "unknown"
  std::size_t cluster = 0;  ///< FAT cluster size in bytes (0 otherwise)
  std::string magic;        ///< "unknown": the first 16 bytes as hex ("ff ff ...")
};

class Output;

/// Decodes base64 text from the board (padding honoured). Throws MpyError on bad input.
MPYTOOL_FLASH_API std::string decode_base64(std::string_view text);

/// A progress callback that shows "  <what>: 42% 1.00K / 2.38K" on \p out's progress line.
MPYTOOL_FLASH_API FlashProgress progress_line(Output& out, std::string what);

/// The Python mpytool's filesystem detection (docs/compatibility.md, "Flash") from the first 512
/// bytes of a device.
MPYTOOL_FLASH_API FsSignature detect_filesystem(std::string_view first);

/// Transfers to and from one block device.
class MPYTOOL_FLASH_API FlashTransfer {
 public:
  /// Works on \p device of \p mpy's board (both must outlive this object).
  FlashTransfer(Mpy& mpy, BlockDevice device);
  ~FlashTransfer();

  /// The first 8 bytes of the SHA-256 of each of the first \p blocks blocks (one round trip).
  std::vector<std::string> block_hashes(std::size_t blocks);
  /// Hex SHA-256 of the device's first \p bytes bytes, computed on the board.
  std::string sha256(std::size_t bytes);

  /// Writes \p data from block 0 (the last block padded with 0xFF), sending only blocks that
  /// differ, then verifies the SHA-256 on the board. \p compress: nullopt = when the board can
  /// inflate. Throws MpyError "Data too large: N > M bytes", DeviceError on a mismatch.
  FlashWriteResult write(std::string_view data, const FlashProgress& progress = {},
                         std::optional<bool> compress = std::nullopt);
  /// Reads \p bytes from block 0 (streamed back and checked against the board's SHA-256).
  std::string read(std::size_t bytes, const FlashProgress& progress = {});
  /// Erases \p blocks blocks from block 0 (writes 0xFF).
  void erase(std::size_t blocks, const FlashProgress& progress = {});

  /// Traffic of this object's streamed transfers.
  const stream::Stats& stats() const noexcept { return stats_; }

 private:
  void bind();
  std::unique_ptr<stream::Session> open_stream();
  void write_stream(stream::Session& s, std::string_view padded, const std::vector<BlockRun>& runs,
                    const FlashProgress& progress, std::optional<bool> compress,
                    FlashWriteResult& r);
  void write_text(std::string_view padded, const std::vector<BlockRun>& runs,
                  const FlashProgress& progress, std::optional<bool> compress, FlashWriteResult& r);
  std::string read_stream(stream::Session& s, std::size_t bytes, const FlashProgress& progress);
  std::string read_text(std::size_t bytes, const FlashProgress& progress);
  Mpy& mpy_;
  BlockDevice dev_;
  bool bound_ = false;
  stream::Stats stats_;
};

}  // namespace mpytool
