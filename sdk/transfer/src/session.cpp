// SPDX-License-Identifier: MIT
#include "mpytool/transfer/session.hpp"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/repl/mpy_comm.hpp"

namespace mpytool::stream {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t read_u32(std::string_view p) {
  auto b = [p](int i) { return static_cast<std::int64_t>(static_cast<unsigned char>(p[i])); };
  return b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24;
}

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double now_s() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

std::string u32(std::int64_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// The agent's table of operations: a Python dict of frame type (a number) to handler.
std::string ops_dict(const std::vector<std::pair<char, std::string>>& ops) {
  std::string out = "{";
  for (const auto& [type, handler] : ops) {
    if (out.size() > 1) out += ',';
    out += fmt::format("{}:{}", static_cast<int>(static_cast<unsigned char>(type)), handler);
  }
  return out + "}";
}

}  // namespace

std::unique_ptr<Session> open_stream_session(Mpy& mpy, StreamStart start) {
  if (start.path == TransferPath::kText) return nullptr;
  std::optional<bool> own;
  std::optional<bool>& known = start.known ? *start.known : own;
  if (!known) known = stream_probe_result(mpy);
  // kWebrepl: what the WA/WB protocol does not carry (flash, OTA) goes as kAuto.
  if (known == false && start.path != TransferPath::kStream) return nullptr;
  try {
    auto s = std::make_unique<Session>(mpy, start.prepare(), start.stats);
    if (!known) s->probe();
    known = true;
    set_stream_probe_result(mpy, true);
    return s;
  } catch (const Interrupted&) {
    throw;
  } catch (const BoardReset&) {
    throw;  // the board rebooted under the start: the command resumes, the stream is fine
  } catch (const ConnLost&) {
    throw;
  } catch (const AnswerTooLarge&) {
    throw;  // a flood, not a board without the agent
  } catch (const MpyError& e) {
    if (start.path == TransferPath::kStream) throw;
    logger().info("binary transfer not available ({}), using the text path", e.what());
    mpy.comm().abandon_program();
    known = false;
    set_stream_probe_result(mpy, false);
    if (start.fallback) start.fallback();
    return nullptr;
  }
}

Session::Session(Mpy& mpy, SessionOptions options, Stats* stats)
    : mpy_(mpy),
      conn_(mpy.conn()),
      comm_(mpy.comm()),
      cancelled_(std::move(options.cancelled)),
      stats_(stats ? *stats : own_stats_) {
  mpy.load_helper("stream");
  const int chunk = std::max(options.chunk, 256);
  max_payload_ = std::clamp<std::size_t>(static_cast<std::size_t>(chunk), 256, kMaxFramePayload);
  payload_ = max_payload_;
  code_ = fmt::format("_mt_ag({},{},{},{},{})", options.window, max_payload_, chunk,
                      options.deflate_wbits, ops_dict(options.ops));
  for (int attempt = 0;; ++attempt) {
    try {
      start();
      return;
    } catch (const CmdError& e) {
      // The start's text arrived damaged (the guard refused it): send it again.
      if (attempt >= 8 || !CodeGuard::is_failure(e)) throw;
      logger().debug("transfer agent: the start did not arrive intact, sending it again");
      decoder_ = FrameDecoder();
      ended_ = false;
      queue_.clear();
      queued_ = 0;
      answers_ = 0;
    }
  }
}

void Session::start() {
  comm_.start_program(code_, kTransferIoTimeout);
  running_ = true;
  try {
    // The hello may have arrived with the OK that start_program() waited for.
    ingest(conn_.flush());
    last_input_ = last_recovery_ = now_s();
    Frame hello = next_frame();
    if (hello.type != frame::kHello) throw MpyError("transfer agent: no hello from the board");
    started_ = true;
    std::istringstream in(hello.payload);
    int flags = 0;
    in >> flags >> features_.mem_free;
    features_.sha256 = flags & 1;
    features_.inflate = flags & 2;
    features_.deflate = flags & 4;
    // The first credit follows the hello at once.
    while (limit_ == 0) await_input("transfer agent: no credit from the board");
  } catch (...) {
    abort();
    throw;
  }
}

Session::~Session() { abort(); }

void Session::check_cancel() {
  if (cancelled_ && cancelled_()) {
    abort();
    throw Interrupted();
  }
}

void Session::await_input(const char* what) {
  if (pump(0.2)) return;
  const double t = now_s();
  if (t - last_input_ > kTransferIoTimeout) {
    abort();
    throw Timeout(what);
  }
  // On a link that has damaged something, a silence is broken sooner.
  const double quiet =
      stats_.naks || stats_.bytes_skipped || stats_.recoveries ? kNoisySilence : kSilenceRecovery;
  if (t - last_input_ > quiet / 2 && decoder_.holding() && unstall()) return;
  if (started_ && running_ && t - last_input_ > quiet && t - last_recovery_ > quiet) {
    recover();
  }
}

// The board said nothing for a while although the host waits: a credit or an answer may have
// been lost, or a damaged length leaves the board waiting for bytes that never come. Padding
// (within the credit, at least 16 bytes) completes any frame the board is inside, which then
// fails its check; the sync after it lets the board answer what the host lacks.
void Session::recover() {
  // A second silence in a row: the board may be inside a frame whose damaged length is up
  // to the largest one: pad that much (it is reading, so its buffer drains).
  const bool again = last_recovery_ > last_input_;
  last_recovery_ = now_s();
  ++stats_.recoveries;
  note_failure();
  const std::int64_t room = again ? static_cast<std::int64_t>(max_payload_ + kFrameHeaderSize)
                                  : std::clamp<std::int64_t>(limit_ - sent_, 16, 256);
  const std::string pad(static_cast<std::size_t>(room), '\0');
  logger().debug("transfer agent: the board is silent, sending {} bytes of padding and a sync",
                 pad.size());
  conn_.write(pad);
  sent_ += room;
  stats_.bytes_out += room;
  send_sync();
  awaiting_resync_ = true;
  naks_awaiting_ = 0;
}

// Naks and silences while the board takes no frame: a link that damages every frame (or a
// board that no longer runs the agent) ends the session instead of resending forever.
void Session::note_failure() {
  // Progress: the board took more frames since the last failure (a credit or this nak says).
  const std::int64_t taken = std::max(log_first_, nak_mark_);
  if (taken != progress_mark_) {
    progress_mark_ = taken;
    failures_ = 0;
  }
  if (++failures_ > kMaxFailures) {
    abort();
    throw MpyError(fmt::format("transfer agent: the link damaged {} frames in a row; giving up",
                               kMaxFailures + 1));
  }
}

// The board reads (its credit grows) but takes no frame: it skips bytes, looking for a sync
// that was damaged on the way (or whose resynced was). Sends one again, and the frames after.
void Session::watch_progress(std::int64_t taken) {
  if (taken != progress_taken_) {
    progress_taken_ = taken;
    progress_sent_ = sent_;
    return;
  }
  const std::int64_t slack =
      std::max<std::int64_t>(2048, 2 * static_cast<std::int64_t>(max_frame_out_) + 64);
  if (rewind_ || sent_ - progress_sent_ <= slack || next_ == taken) return;
  logger().debug("transfer agent: the board takes no frames; sending a sync again");
  progress_sent_ = sent_;
  max_frame_out_ = 0;
  awaiting_resync_ = false;
  note_failure();
  rewind_ = {taken, true};
}

void Session::send_sync() {
  const std::string f = encode_frame(frame::kSync, u32(answers_) + u32(sent_));
  conn_.write(f);
  sent_ += static_cast<std::int64_t>(f.size());
  stats_.bytes_out += static_cast<std::int64_t>(f.size());
}

void Session::rewind(std::int64_t frame, bool sync) {
  if (frame < log_first_ || frame > log_first_ + static_cast<std::int64_t>(log_.size())) {
    abort();
    throw MpyError(fmt::format("transfer agent: the board asks for frame {}, not kept", frame));
  }
  logger().debug("transfer agent: again from frame {} (kept {}..{}, next {}+{})", frame, log_first_,
                 log_first_ + static_cast<std::int64_t>(log_.size()), next_, log_offset_);
  stats_.frames_resent += std::max<std::int64_t>(0, next_ - frame) + (log_offset_ ? 1 : 0);
  next_ = frame;
  log_offset_ = 0;
  // What goes again goes in the smaller frames a nak asked for (numbered anew: the board
  // took none of them).
  for (std::size_t i = static_cast<std::size_t>(frame - log_first_); i < log_.size(); ++i) {
    split_kept(i);
  }
  if (sync) send_sync();
}

void Session::split_kept(std::size_t at) {
  Kept& k = log_[at];
  const std::size_t head = k.deflated ? 4 : 0;
  if (k.type != frame::kData || k.payload.size() <= payload_ + head) return;
  // A deflated frame's raw count goes with its last piece: the board inflates once it has
  // them all (a count of 0 only adds to its input).
  const std::string count = k.payload.substr(0, head);
  const std::string_view data = std::string_view(k.payload).substr(head);
  const std::size_t step = payload_ - head;
  std::vector<Kept> pieces;
  for (std::size_t p = 0; p < data.size(); p += step) {
    const bool last = p + step >= data.size();
    std::string payload = k.deflated ? (last ? count : u32(0)) : std::string();
    payload += data.substr(p, step);
    pieces.push_back({frame::kData, std::move(payload), k.deflated});
  }
  log_.erase(log_.begin() + static_cast<std::ptrdiff_t>(at));
  log_.insert(log_.begin() + static_cast<std::ptrdiff_t>(at), pieces.begin(), pieces.end());
}

void Session::keep(char type, std::string payload, bool deflated) {
  // After 32 data frames without a nak the frames grow again, up to the largest.
  if (type == frame::kData && ++clean_frames_ >= 32 && payload_ < max_payload_) {
    payload_ = std::min(payload_ * 2, max_payload_);
    clean_frames_ = 0;
  }
  log_.push_back({type, std::move(payload), deflated});
  split_kept(log_.size() - 1);
  transmit();
}

// Sends what the log holds from next_ on, as credit allows, and the rewinds the board asks for
// meanwhile.
void Session::transmit() {
  for (;;) {
    if (rewind_) {
      const auto [frame, sync] = *rewind_;
      rewind_.reset();
      rewind(frame, sync);
    }
    const std::int64_t end = log_first_ + static_cast<std::int64_t>(log_.size());
    if (next_ >= end) {
      frame_left_ = 0;
      return;
    }
    if (log_offset_ == 0) {
      const Kept& k = log_[static_cast<std::size_t>(next_ - log_first_)];
      wire_ = encode_frame(k.type, k.payload, static_cast<std::uint8_t>(next_ & 0xff));
      max_frame_out_ = std::max(max_frame_out_, wire_.size());
    }
    const std::string& f = wire_;
    const std::int64_t room = limit_ - sent_;
    if (room <= 0) {
      ++stats_.credit_waits;
      while (limit_ <= sent_ && !rewind_) await_input("transfer agent: no credit from the board");
      continue;
    }
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::int64_t>(room, f.size() - log_offset_));
    conn_.write(std::string_view(f).substr(log_offset_, n));
    sent_ += static_cast<std::int64_t>(n);
    stats_.bytes_out += static_cast<std::int64_t>(n);
    log_offset_ += n;
    frame_left_ = f.size() - log_offset_;
    if (log_offset_ == f.size()) {
      ++next_;
      log_offset_ = 0;
    }
    // Take in what the board said meanwhile (credit, naks) without waiting.
    pump(0);
  }
}

void Session::send_frame(char type, std::string_view payload) {
  if (type == frame::kQuit || type == frame::kAbort) {
    if (closing_) return;  // the agent leaves at the first of them; more would reach the REPL
    closing_ = true;
    // The host now waits for the rest of the agent's answers and its end: one round trip.
    ++stats_.round_trips;
  }
  keep(type, std::string(payload), false);
}

void Session::send_data(std::string_view data, const std::vector<DeflateSegment>* segments,
                        const std::function<void(std::size_t)>& on_sent) {
  std::size_t sent = 0;
  if (segments) {
    for (const DeflateSegment& seg : *segments) {
      std::string payload(4, '\0');
      for (std::size_t b = 0; b < 4; ++b) {
        payload[b] = static_cast<char>((seg.raw_size >> (8 * b)) & 0xff);
      }
      keep(frame::kData, payload + seg.data, true);
      sent += seg.raw_size;
      if (on_sent) on_sent(sent);
    }
    return;
  }
  for (std::size_t at = 0; at < data.size();) {
    const std::string_view piece = data.substr(at, payload_);
    at += piece.size();
    send_frame(frame::kData, piece);
    sent += piece.size();
    if (on_sent) on_sent(sent);
  }
}

bool Session::pump(double wait) {
  check_cancel();
  Bytes data = conn_.read(wait);
  if (data.empty()) {
    check_cancel();
    return false;
  }
  ingest(std::move(data));
  return true;
}

void Session::ingest(Bytes data) {
  if (data.empty()) return;
  last_input_ = now_s();
  stats_.bytes_in += static_cast<std::int64_t>(data.size());
  decoder_.feed(data);
  decode();
}

bool Session::unstall() {
  // The board fell silent while the decoder holds bytes that make no frame: a length damaged
  // on the way claims more than will ever come. Frames behind it are whole: skip to them.
  bool any = false;
  while (decoder_.holding() && !any) {
    decoder_.drop_held();
    any = decode();
  }
  return any;
}

bool Session::decode() {
  bool any = false;
  const std::int64_t skipped = decoder_.skipped();
  while (std::optional<Frame> f = decoder_.next()) {
    any = true;
    const std::string& p = f->payload;
    // The board repeats its last answer right after the resynced frame: a repeat of one the
    // host has is the very next frame, with nothing damaged between (else it did not come).
    const bool repeat = drop_answer_ && decoder_.skipped() == drop_mark_;
    drop_answer_ = false;
    switch (f->type) {
      case frame::kCredit:
        if (p.size() >= 4) limit_ = std::max(limit_, read_u32(p));
        if (p.size() >= 8) {
          // The board took these frames: they need not be kept for sending again.
          const std::int64_t taken = std::min(read_u32(p.substr(4)), next_);
          while (log_first_ < taken && !log_.empty()) {
            log_.pop_front();
            ++log_first_;
          }
          watch_progress(read_u32(p.substr(4)));
        }
        break;
      case frame::kNak:
        ++stats_.naks;
        if (p.size() >= 4) nak_mark_ = std::max(nak_mark_, read_u32(p));
        note_failure();
        // Frames on this link come through better small: halve the data frames from here.
        payload_ = std::max<std::size_t>(payload_ / 2, 256);
        clean_frames_ = 0;
        // A sync for a silence is already out: the board finds that one. A second nak before
        // its resynced means that answer was lost: start over from this one.
        if (awaiting_resync_ && ++naks_awaiting_ > 1) awaiting_resync_ = false;
        if (p.size() >= 4 && !awaiting_resync_) rewind_ = {read_u32(p), true};
        break;
      case frame::kResynced:
        if (p.size() >= 12) {
          if (awaiting_resync_) {
            awaiting_resync_ = false;
            rewind_ = {read_u32(p), false};
          }
          // The board sends its last answer again if the sync said the host lacked it: a
          // repeat if it came after all.
          const std::int64_t answers = read_u32(p.substr(4));
          if (answers > read_u32(p.substr(8)) && answers_ >= answers) {
            drop_answer_ = true;
            drop_mark_ = decoder_.skipped();
          }
        }
        break;
      default:
        if (f->type != frame::kData) {
          if (repeat) break;
          ++answers_;
        }
        // Frames come faster than the host takes them only from a board that floods the link.
        queued_ += sizeof(Frame) + f->payload.size();
        if (queued_ > kMaxAnswer) {
          abort();
          conn_.answer_too_large();
        }
        queue_.push_back(std::move(*f));
    }
  }
  if (decoder_.skipped() != skipped) {
    stats_.bytes_skipped += decoder_.skipped() - skipped;
    check_reset();
  }
  if (decoder_.ended() && !ended_) {
    ended_ = true;
    read_end(decoder_.take_rest());
  }
  return any;
}

void Session::check_reset() {
  if (!looks_like_boot(decoder_.recent_garbage())) {
    decoder_.trim_garbage(32);
    return;
  }
  running_ = false;  // nothing of the agent is left on the board
  mpy_.reset_state();
  throw BoardReset("the board reset");
}

// The agent's program ended: what follows the 0x04 is its traceback up to "\x04>".
void Session::read_end(std::string rest) {
  running_ = false;
  const auto start = Clock::now();
  std::size_t pos;
  auto last = Clock::now();
  while ((pos = rest.find("\x04>")) == std::string::npos) {
    Bytes more = conn_.read(0.2);
    if (!more.empty()) {
      last = Clock::now();
    } else if (rest.size() >= 2 && (stats_.bytes_skipped > 0 || stats_.naks > 0) &&
               since(last) > 0.5) {
      // On a link that damages bytes the end's 0x04 or '>' may be what was hit: the board
      // fell silent after its last two bytes.
      pos = rest.size() - 2;
      break;
    } else if (since(start) > kTransferIoTimeout) {
      comm_.abandon_program();
      throw Timeout("transfer agent: no end from the board");
    }
    rest += more;
    if (rest.size() > kMaxAnswer) conn_.answer_too_large();
  }
  // Padding sent after the quit may have reached the raw REPL once the agent left: a Ctrl-C
  // clears that line.
  if (closing_ && stats_.recoveries > 0) conn_.write("\x03");
  std::string traceback = rest.substr(0, pos);
  if (!traceback.empty()) {
    // The agent died with host bytes still on the way: they reached the raw REPL, where a
    // 0x04 on an empty line soft-resets the board. Forget what the board had loaded.
    mpy_.reset_state();
    throw CmdError(code_, "", traceback);
  }
}

Frame Session::next_frame() {
  while (queue_.empty()) {
    if (ended_) throw MpyError("transfer agent ended unexpectedly");
    // A frame the board asks for again (the last one damaged, say) goes out first.
    if (rewind_ || next_ < log_first_ + static_cast<std::int64_t>(log_.size())) transmit();
    if (!queue_.empty()) break;
    await_input("transfer agent: the board stopped answering");
  }
  return take_frame();
}

Frame Session::take_frame() {
  Frame f = std::move(queue_.front());
  queue_.pop_front();
  queued_ -= sizeof(Frame) + f.payload.size();
  return f;
}

std::optional<Frame> Session::poll_frame() {
  if (queue_.empty() && !ended_) pump(0);
  if (queue_.empty()) return std::nullopt;
  return take_frame();
}

void Session::probe() {
  // Every byte value, Ctrl-D just before Ctrl-C: should the board take the Ctrl-C for an
  // interrupt after all, the Ctrl-D is already consumed and cannot reach the REPL.
  std::string all;
  for (int i = 5; i < 256; ++i) all += static_cast<char>(i);
  all += std::string("\x00\x01\x02\x04\x03", 5);
  const Stats before = stats_;
  send_frame(frame::kProbe, all);
  ++stats_.round_trips;
  // A link that damages the probe every time (one not binary-clean), or leaves it unanswered,
  // is not for the stream; noise damages it now and then.
  while (queue_.empty()) {
    if (ended_) throw MpyError("transfer agent ended unexpectedly");
    if (stats_.naks - before.naks > 4 || stats_.recoveries - before.recoveries > 2) {
      abort();
      throw MpyError("transfer agent: the probe did not get through");
    }
    if (rewind_) transmit();
    if (queue_.empty()) await_input("transfer agent: the board stopped answering");
  }
  Frame echo = next_frame();
  if (echo.type != frame::kProbe || echo.payload != all) {
    abort();
    throw MpyError("transfer agent: the probe came back altered");
  }
}

void Session::wait_end() {
  while (running_) {
    if (rewind_ || next_ < log_first_ + static_cast<std::int64_t>(log_.size())) transmit();
    if (running_) await_input("transfer agent: no end from the board");
  }
}

void Session::quit(bool already_sent) {
  if (!running_) return;
  if (!already_sent) send_frame(frame::kQuit);
  wait_end();
  if (!queue_.empty()) logger().debug("transfer agent: {} unread frames at quit", queue_.size());
}

void Session::finish_after_error() {
  if (!running_) return;
  send_frame(frame::kAbort);
  wait_end();
}

void Session::abort() noexcept {
  if (!running_) return;
  running_ = false;
  try {
    // The agent may be waiting for the rest of a frame: complete it with Ctrl-C bytes and add
    // a broken header (that ends the agent, which removes its temporary file and restores
    // Ctrl-C). A Ctrl-C the signal handler wrote into the stream only shortens what is needed.
    // If the split fell inside the length, Ctrl-Cs make it 0x03xx: cover that frame too.
    // A board that streams (a download) reads no frame meanwhile: it looks at its input now
    // and then and stops at the next frame once it sees the Ctrl-C bytes (see stream.py).
    conn_.write(std::string(frame_left_ + 0x3ff + 3 * kFrameHeaderSize, '\x03'));
    // What is still on the way is read as frames up to the agent's end, so that a "\x04>" in
    // the data is not taken for it; then its traceback up to the raw REPL's prompt.
    const auto start = Clock::now();
    std::string rest;
    bool ended = false;
    while (since(start) < kAbortDrain) {
      if (!ended) {
        while (decoder_.next()) {
        }
        ended = decoder_.ended();
        if (ended) rest = decoder_.take_rest();
      }
      if (ended && rest.find("\x04>") != std::string::npos) break;
      Bytes more = conn_.read(0.1);
      if (ended) {
        rest += more;
        // Only a tail that may hold the start of the end needs keeping.
        if (rest.size() > 1 && rest.find("\x04>") == std::string::npos) {
          rest.erase(0, rest.size() - 1);
        }
      } else {
        decoder_.feed(more);
      }
    }
    // Ctrl-C bytes left over are silent in the raw REPL, but frame bytes that reached it before
    // may have soft-reset the board: re-probe the state, reload helpers.
    mpy_.reset_state();
  } catch (...) {
    mpy_.reset_state();
  }
}

}  // namespace mpytool::stream
