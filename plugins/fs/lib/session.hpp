// SPDX-License-Identifier: MIT
// Session: one run of the streaming transfer agent (helpers/agent.py) on the board. Starts it
// in the raw REPL, sends frames within the credit the board grants, collects the board's
// frames, and ends it (quit) or releases it (abort). Private to libmpytool-fs.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "mpytool/conn.hpp"
#include "mpytool/fs/files.hpp"
#include "mpytool/fs/frame.hpp"

namespace mpytool {
class MpyComm;
}

namespace mpytool::fs {

/// What the agent reported in its hello frame.
struct AgentFeatures {
  bool sha256 = false;   ///< hashlib.sha256: uploads are verified by hash, not only size
  bool inflate = false;  ///< deflate.DeflateIO can decompress (compressed uploads)
  bool deflate = false;  ///< deflate.DeflateIO can compress (compressed downloads)
  std::int64_t mem_free = 0;
};

class Session {
 public:
  /// Loads the agent helper and starts it with stdin slack \p window and file buffer \p chunk.
  /// Throws CmdError (the board cannot run it), Timeout, MpyError (garbled answer).
  Session(Files& files, int window, int chunk);
  /// Releases the agent if it still runs (abort()).
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const AgentFeatures& features() const noexcept { return features_; }
  /// Largest payload of a frame in this session (the agent's frame buffer).
  std::size_t max_payload() const noexcept { return max_payload_; }

  /// Sends 256 bytes of every value and checks the echo (binary-clean link, framing, CRC).
  void probe();

  /// Sends one frame, waiting for credit as needed (board frames that arrive meanwhile are
  /// queued for next_frame()). Only the first Q or A is sent.
  void send_frame(char type, std::string_view payload = {});

  /// The next board frame other than credit, waiting up to the I/O timeout.
  Frame next_frame();
  /// A board frame other than credit if one is already here (no waiting).
  std::optional<Frame> poll_frame();

  /// Sends Q (unless \p already_sent) and reads the program's end. Throws CmdError if the
  /// agent raised.
  void quit(bool already_sent = false);
  /// Ends the agent after a board-reported error (it waits for A or Q): sends A, reads the end.
  void finish_after_error();
  /// Best effort: releases the agent (abort frame, then Ctrl-C filler if it does not end) and
  /// leaves the REPL state to the next command's recovery if that fails. Never throws.
  void abort() noexcept;

  /// True while the agent runs.
  bool running() const noexcept { return running_; }

 private:
  void send_raw(std::string_view bytes);
  // Reads what the board sent (waiting up to \p wait seconds), decodes frames: credit raises
  // the limit, others are queued. Returns true if anything arrived. Throws when the program
  // ended (CmdError with its traceback, or MpyError if it ended silently), on Ctrl-C.
  bool pump(double wait);
  void ingest(Bytes data);
  void read_end(std::string rest);
  void wait_end();
  void check_cancel();

  Files& files_;
  Conn& conn_;
  MpyComm& comm_;
  FrameDecoder decoder_;
  std::deque<Frame> queue_;
  std::int64_t sent_ = 0;
  std::size_t max_payload_ = kMaxFramePayload;
  /// Bytes of the frame being sent that the board has not been sent yet: what an agent waiting
  /// inside that frame still needs before it can notice anything (abort()).
  std::size_t frame_left_ = 0;
  std::int64_t limit_ = 0;
  bool running_ = false;
  bool ended_ = false;
  bool closing_ = false;  ///< Q or A sent
  AgentFeatures features_;
  std::string code_;
};

/// Seconds of board silence tolerated while transferring (flash garbage collection on some
/// ports blocks for several seconds).
inline constexpr double kTransferIoTimeout = 20.0;

}  // namespace mpytool::fs
