// SPDX-License-Identifier: MIT
#include "mpytool/stream/session.hpp"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "mpytool/error.hpp"
#include "mpytool/log.hpp"
#include "mpytool/mpy.hpp"
#include "mpytool/mpy_comm.hpp"

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

}  // namespace

Session::Session(Mpy& mpy, SessionOptions options, Stats* stats)
    : mpy_(mpy),
      conn_(mpy.conn()),
      comm_(mpy.comm()),
      cancelled_(std::move(options.cancelled)),
      stats_(stats ? *stats : own_stats_) {
  mpy.load_helper("stream");
  const int chunk = std::max(options.chunk, 256);
  max_payload_ = std::clamp<std::size_t>(static_cast<std::size_t>(chunk), 256, kMaxFramePayload);
  code_ = fmt::format("_mt_ag({},{},{},{},{})", options.window, max_payload_, chunk,
                      options.deflate_wbits, options.ops.empty() ? "{}" : options.ops);
  comm_.start_program(code_, kTransferIoTimeout);
  running_ = true;
  try {
    // The hello may have arrived with the OK that start_program() waited for.
    ingest(conn_.flush());
    Frame hello = next_frame();
    if (hello.type != frame::kHello) throw MpyError("transfer agent: no hello from the board");
    std::istringstream in(hello.payload);
    int flags = 0;
    in >> flags >> features_.mem_free;
    features_.sha256 = flags & 1;
    features_.inflate = flags & 2;
    features_.deflate = flags & 4;
    // The first credit follows the hello at once.
    const auto start = Clock::now();
    while (limit_ == 0) {
      if (!pump(0.2) && since(start) > kTransferIoTimeout) {
        throw Timeout("transfer agent: no credit from the board");
      }
    }
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

void Session::send_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    std::int64_t room = limit_ - sent_;
    if (room <= 0) {
      ++stats_.credit_waits;
      const auto start = Clock::now();
      while (limit_ <= sent_) {
        if (!pump(0.2) && since(start) > kTransferIoTimeout) {
          throw Timeout("transfer agent: no credit from the board");
        }
      }
      continue;
    }
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(room, bytes.size()));
    conn_.write(bytes.substr(0, n));
    sent_ += static_cast<std::int64_t>(n);
    frame_left_ -= std::min(frame_left_, n);
    stats_.bytes_out += static_cast<std::int64_t>(n);
    bytes.remove_prefix(n);
    // Take in what the board said meanwhile (credit) without waiting.
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
  const std::string f = encode_frame(type, payload);
  frame_left_ = f.size();
  send_raw(f);
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
      send_frame(frame::kData, payload + seg.data);
      sent += seg.raw_size;
      if (on_sent) on_sent(sent);
    }
    return;
  }
  for (std::size_t at = 0; at < data.size(); at += max_payload_) {
    const std::string_view piece = data.substr(at, max_payload_);
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
  stats_.bytes_in += static_cast<std::int64_t>(data.size());
  decoder_.feed(data);
  for (;;) {
    std::optional<Frame> f;
    try {
      f = decoder_.next();
    } catch (const MpyError&) {
      abort();
      throw;
    }
    if (!f) break;
    if (f->type == frame::kCredit && f->payload.size() == 4) {
      limit_ = std::max(limit_, read_u32(f->payload));
    } else {
      queue_.push_back(std::move(*f));
    }
  }
  if (decoder_.ended() && !ended_) {
    ended_ = true;
    read_end(decoder_.take_rest());
  }
}

// The agent's program ended: what follows the 0x04 is its traceback up to "\x04>".
void Session::read_end(std::string rest) {
  running_ = false;
  const auto start = Clock::now();
  std::size_t pos;
  while ((pos = rest.find("\x04>")) == std::string::npos) {
    Bytes more = conn_.read(0.2);
    if (more.empty() && since(start) > kTransferIoTimeout) {
      comm_.abandon_program();
      throw Timeout("transfer agent: no end from the board");
    }
    rest += more;
  }
  std::string traceback = rest.substr(0, pos);
  if (!traceback.empty()) {
    // The agent died with host bytes still on the way: they reached the raw REPL, where a
    // 0x04 on an empty line soft-resets the board. Forget what the board had loaded.
    mpy_.reset_state();
    throw CmdError(code_, "", traceback);
  }
}

Frame Session::next_frame() {
  const auto start = Clock::now();
  while (queue_.empty()) {
    if (ended_) throw MpyError("transfer agent ended unexpectedly");
    if (pump(0.2)) continue;
    if (since(start) > kTransferIoTimeout) {
      abort();
      throw Timeout("transfer agent: the board stopped answering");
    }
  }
  Frame f = std::move(queue_.front());
  queue_.pop_front();
  return f;
}

std::optional<Frame> Session::poll_frame() {
  if (queue_.empty() && !ended_) pump(0);
  if (queue_.empty()) return std::nullopt;
  Frame f = std::move(queue_.front());
  queue_.pop_front();
  return f;
}

void Session::probe() {
  // Every byte value, Ctrl-D just before Ctrl-C: should the board take the Ctrl-C for an
  // interrupt after all, the Ctrl-D is already consumed and cannot reach the REPL.
  std::string all;
  for (int i = 5; i < 256; ++i) all += static_cast<char>(i);
  all += std::string("\x00\x01\x02\x04\x03", 5);
  send_frame(frame::kProbe, all);
  ++stats_.round_trips;
  Frame echo = next_frame();
  if (echo.type != frame::kProbe || echo.payload != all) {
    abort();
    throw MpyError("transfer agent: the probe came back altered");
  }
}

void Session::wait_end() {
  const auto start = Clock::now();
  while (running_) {
    if (!pump(0.2) && since(start) > kTransferIoTimeout) {
      abort();
      throw Timeout("transfer agent: no end from the board");
    }
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
    conn_.write(std::string(frame_left_ + 0x3ff + 3 * kFrameHeaderSize, '\x03'));
    const auto start = Clock::now();
    std::string seen = decoder_.take_rest();
    while (seen.find("\x04>") == std::string::npos && since(start) < 2.0) {
      seen += conn_.read(0.1);
    }
    // Ctrl-C bytes left over are silent in the raw REPL, but frame bytes that reached it before
    // may have soft-reset the board: re-probe the state, reload helpers.
    mpy_.reset_state();
  } catch (...) {
    mpy_.reset_state();
  }
}

}  // namespace mpytool::stream
