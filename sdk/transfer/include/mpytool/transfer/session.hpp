// SPDX-License-Identifier: MIT
/// \file
/// One run of the streaming transfer agent (core/helpers/stream.py) on the board: bulk data at
/// the wire's speed for every plugin. The agent speaks frames (stream/frame.hpp) both ways,
/// grants the host credit so that nothing is sent that the board's stdin buffer cannot hold,
/// and runs the operations a plugin registers: a plugin loads a helper that defines handlers
/// `h(x, payload)` and names them by frame letter in SessionOptions::ops. A handler gets
/// `x = (tx, rf, rx, sx, cur, ob, om, fl)`:
///  - `tx(type, payload)` sends a frame, `rf()` reads the next one as (type, memoryview);
///  - `rx(z, put)` takes D frames up to E (raw, or with z each is a u32 LE raw count and a
///    piece of one zlib stream, see stream/deflate.hpp) and calls `put(memoryview)` with
///    pieces of at most `chunk` bytes; returns E's payload (the sender's SHA-256, may be empty);
///  - `sx(get, z)` sends what `get()` returns (a buffer; empty at the end) as D frames,
///    deflated with z, and returns the SHA-256 of the raw data (b'' without hashlib);
///  - `cur` = [object to close(), list of paths to remove] when the operation fails or the
///    agent ends;
///  - `ob`/`om`: the chunk buffer and its memoryview; `fl`: the feature flags of the hello.
/// A handler answers with K or X frames of its own; an exception becomes an X frame and the
/// agent then waits for A or Q.
///
/// On a noisy link the session repairs the host's direction: it keeps every frame the board
/// has not confirmed (credit frames say how many it took), sends them again from the one a
/// nak names, after a sync frame that the board finds in what follows by its CRC. When the
/// board falls silent while the host waits (a lost credit or answer, a frame whose damaged
/// length leaves the board waiting), the host sends padding and a sync, and the board
/// answers what the host lacks. A boot banner among the bytes that make no frame means the
/// board reset: BoardReset.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mpytool/link/conn.hpp"
#include "mpytool/transfer/deflate.hpp"
#include "mpytool/transfer/export.hpp"
#include "mpytool/transfer/frame.hpp"
#include "mpytool/transfer/settings.hpp"

namespace mpytool {
class Mpy;
class MpyComm;
}  // namespace mpytool

namespace mpytool::stream {

/// Traffic of transfers, for benchmarks and tests.
struct Stats {
  std::int64_t bytes_out = 0;      ///< host to board, all traffic of transfers
  std::int64_t bytes_in = 0;       ///< board to host, all traffic of transfers
  std::int64_t round_trips = 0;    ///< times the host waited for the board's answer
  std::int64_t credit_waits = 0;   ///< times the host waited for flow-control credit
  std::int64_t frames_resent = 0;  ///< host frames sent again after a nak (link noise)
  std::int64_t naks = 0;           ///< damaged frames the board reported
  std::int64_t recoveries = 0;     ///< silences the host broke with padding and a sync
  std::int64_t bytes_skipped = 0;  ///< board bytes that made no frame (damaged frames)
};

/// How to start the agent.
struct SessionOptions {
  /// Stdin slack the board grants beyond what it reads: what its stdin buffer holds while it is
  /// busy (every board: 256; a profile's transfer.stdin_buffer raises it).
  int window = 256;
  /// The agent's chunk buffer; frames carry at most min(chunk, kMaxFramePayload) bytes.
  int chunk = 4096;
  /// The plugin's handlers by frame type: the board function that handles frames of that
  /// type, e.g. {{'W', "_mt_fw"}, {'R', "_mt_fr"}} (the helpers that define them must be
  /// loaded first). The session passes them to the agent as a dict.
  std::vector<std::pair<char, std::string>> ops;
  /// Window bits of the board's compressor for sx(get, True).
  int deflate_wbits = 10;
  /// Polled while waiting; true aborts the agent and throws Interrupted.
  std::function<bool()> cancelled;
};
/// What the agent reported in its hello frame.
struct Features {
  bool sha256 = false;   ///< hashlib.sha256: uploads are verified by hash, not only size
  bool inflate = false;  ///< deflate.DeflateIO can decompress (compressed uploads)
  bool deflate = false;  ///< deflate.DeflateIO can compress (compressed downloads)
  std::int64_t mem_free = 0;
};

class MPYTOOL_TRANSFER_API Session {
 public:
  /// Loads the agent helper and starts it on \p mpy's board; counts traffic in \p stats
  /// (optional, must outlive the session). Throws CmdError (the board cannot run it), Timeout,
  /// MpyError (garbled answer).
  Session(Mpy& mpy, SessionOptions options, Stats* stats = nullptr);
  /// Releases the agent if it still runs (abort()).
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Features& features() const noexcept { return features_; }
  /// Largest payload of a frame in this session (the agent's frame buffer).
  std::size_t max_payload() const noexcept { return max_payload_; }

  /// Sends 256 bytes of every value and checks the echo (binary-clean link, framing, CRC).
  void probe();

  /// Sends one frame, waiting for credit as needed (board frames that arrive meanwhile are
  /// queued for next_frame()). Only the first Q or A is sent.
  void send_frame(char type, std::string_view payload = {});

  /// Sends \p data as D frames, what the agent's rx() takes: with \p segments (deflate
  /// pieces of \p data of at most max_payload() - 4 bytes) each frame is the piece's raw size
  /// (u32 LE) and the piece, without them raw pieces of at most max_payload() (halved after
  /// a nak, grown back after 32 clean frames). \p on_sent(raw bytes sent so far) follows
  /// each frame. The caller ends the data with E.
  void send_data(std::string_view data, const std::vector<DeflateSegment>* segments,
                 const std::function<void(std::size_t)>& on_sent = {});

  /// The next board frame other than credit, waiting up to the I/O timeout.
  Frame next_frame();
  /// A board frame other than credit if one is already here (no waiting).
  std::optional<Frame> poll_frame();

  /// Counts one wait for the board's answer (a plugin's request/verdict exchange).
  void count_round_trip() noexcept { ++stats_.round_trips; }

  /// Sends Q (unless \p already_sent) and reads the program's end. Throws CmdError if the
  /// agent raised.
  void quit(bool already_sent = false);
  /// Ends the agent after a board-reported error (it waits for A or Q): sends A, reads the end.
  void finish_after_error();
  /// Best effort: releases the agent (a burst of Ctrl-C: it completes any frame the agent waits
  /// for, and a streaming agent stops at its next frame), reads what is on the way as frames up
  /// to the agent's end and the raw-REPL prompt (at most kAbortDrain s), and leaves the REPL
  /// state to the next command's recovery. Never throws.
  void abort() noexcept;

  /// True while the agent runs.
  bool running() const noexcept { return running_; }

 private:
  void start();
  void transmit();
  void rewind(std::int64_t frame, bool sync);
  void send_sync();
  void recover();
  void await_input(const char* what);
  void check_reset();
  void note_failure();
  static constexpr int kMaxFailures = 40;
  std::int64_t nak_mark_ = 0;               ///< the highest frame number a nak named
  std::size_t payload_ = kMaxFramePayload;  ///< raw data frames now (halved by naks)
  int clean_frames_ = 0;                    ///< data frames sent since the last nak
  std::int64_t progress_mark_ = 0;          ///< log_first_ at the last failure
  int failures_ = 0;                        ///< failures since the board last took a frame
  // Reads what the board sent (waiting up to \p wait seconds), decodes frames: credit raises
  // the limit, others are queued. Returns true if anything arrived. Throws when the program
  // ended (CmdError with its traceback, or MpyError if it ended silently), on Ctrl-C.
  bool pump(double wait);
  void ingest(Bytes data);
  /// Decodes what the decoder holds; true if a frame came out.
  bool decode();
  bool unstall();
  void read_end(std::string rest);
  void wait_end();
  void check_cancel();

  Mpy& mpy_;
  Conn& conn_;
  MpyComm& comm_;
  FrameDecoder decoder_;
  std::deque<Frame> queue_;
  /// Bytes queue_ holds (payloads and the frames themselves), bounded by kMaxAnswer.
  std::size_t queued_ = 0;
  /// The first frame of queue_, taken out.
  Frame take_frame();
  std::int64_t sent_ = 0;
  /// A frame kept until the board confirms it: encoded when sent (its CRC starts with its
  /// number), so that a data frame can be split before it goes out again.
  struct Kept {
    char type;
    std::string payload;
    bool deflated = false;  ///< a D frame of deflate pieces (u32 raw count + piece)
  };
  /// Splits a data frame into pieces of at most payload_ bytes at \p at in the log.
  void split_kept(std::size_t at);
  /// Appends a frame to the log (a data frame split to payload_) and sends what it can.
  void keep(char type, std::string payload, bool deflated);
  /// Frames not yet confirmed by the board, from frame number log_first_; next_ is the
  /// number of the frame being sent, log_offset_ how much of it is out (wire_: its encoding).
  std::deque<Kept> log_;
  std::string wire_;
  std::int64_t log_first_ = 0;
  std::int64_t next_ = 0;
  std::size_t log_offset_ = 0;
  /// A rewind the board asked for (nak or resynced): from which frame, and whether a sync
  /// frame must go first.
  std::optional<std::pair<std::int64_t, bool>> rewind_;
  bool awaiting_resync_ = false;     ///< a sync for a silence is out; its resynced is awaited
  int naks_awaiting_ = 0;            ///< naks since that sync
  std::int64_t progress_taken_ = 0;  ///< frames the board had taken at the last credit ...
  std::int64_t progress_sent_ = 0;   ///< ... and sent_ when that count last moved
  std::size_t max_frame_out_ = 0;    ///< the largest frame sent since
  void watch_progress(std::int64_t taken);
  std::int64_t answers_ = 0;    ///< board frames counted as answers (all but C, D, n, r)
  bool drop_answer_ = false;    ///< the next answer repeats one already received
  std::int64_t drop_mark_ = 0;  ///< decoder's skipped() when that was said
  bool started_ = false;        ///< the hello arrived: the agent reads frames
  double last_input_ = 0;       ///< steady-clock seconds of the last board bytes
  double last_recovery_ = 0;    ///< ... and of the last recover()
  std::size_t max_payload_ = kMaxFramePayload;
  /// Bytes of the frame being sent that the board has not been sent yet: what an agent waiting
  /// inside that frame still needs before it can notice anything (abort()).
  std::size_t frame_left_ = 0;
  std::int64_t limit_ = 0;
  bool running_ = false;
  bool ended_ = false;
  bool closing_ = false;  ///< Q or A sent
  Features features_;
  std::string code_;
  std::function<bool()> cancelled_;
  Stats own_stats_;
  Stats& stats_;
};

/// How open_stream_session() starts the agent for a transfer.
struct StreamStart {
  /// TransferSettings::path: kText returns nullptr at once; kStream throws what the start
  /// throws; kAuto falls back to the text path when the board or the link cannot stream.
  TransferPath path = TransferPath::kAuto;
  /// Called once the start is decided on: makes the board ready for the caller's ops (loads
  /// their helpers) and returns the agent's options (the ops, window, chunk and Ctrl-C). An
  /// MpyError it throws counts as a failed start.
  std::function<SessionOptions()> prepare;
  /// Counts the session's traffic (optional, must outlive the session).
  Stats* stats = nullptr;
  /// Called when a failed start hands the transfer to the text path (the board's state may be
  /// gone with the failed program).
  std::function<void()> fallback;
  /// The caller's own memory of the probe's result (e.g. for the life of an object that
  /// transfers several times), filled from and kept with the connection's
  /// (stream_probe_result()); nullptr: only the connection's.
  std::optional<bool>* known = nullptr;
};

/// The streaming agent for a transfer, or nullptr for the text path. The link is probed once
/// per connection (stream_probe_result(): the probe shares the session that then carries the
/// transfer); with TransferPath::kAuto a link that failed the probe, or a board that cannot
/// run the agent, gets nullptr (logged at info level: "binary transfer not available (...),
/// using the text path"). Interrupted, BoardReset, ConnLost and AnswerTooLarge always pass
/// through (a reset or a flood says nothing about the stream).
MPYTOOL_TRANSFER_API std::unique_ptr<Session> open_stream_session(Mpy& mpy, StreamStart start);

/// Seconds of board silence tolerated while transferring (flash garbage collection on some
/// ports blocks for several seconds).
inline constexpr double kTransferIoTimeout = 20.0;

/// Seconds of board silence after which a waiting host suspects a lost frame and sends
/// padding and a sync (the board answers what the host lacks).
inline constexpr double kSilenceRecovery = 1.5;
/// ... once the link has damaged a frame in this session.
inline constexpr double kNoisySilence = 0.6;

/// Seconds an abort waits for the agent's end: a streaming board stops at its next frame (it
/// looks at its input every 50 ms) and what is on the way is read meanwhile. Past it the board
/// is left to the next command's recovery.
inline constexpr double kAbortDrain = 2.0;

}  // namespace mpytool::stream
