// SPDX-License-Identifier: MIT
/// \file
/// FakeAgentBoard: a FakeLink whose board also runs the streaming transfer agent
/// (sdk/transfer/helpers/stream.py), ported to C++ line by line and run on a thread of its own
/// from the moment the host starts `_mt_ag(w,n,c,zb,ops)`: frames both ways, credit (it reads
/// in pieces of at most w/2 and grants read + w before a piece), nak and the skip to the
/// host's sync, the resynced answer, the repeat of its last answer, 64 Ctrl-C bytes ending it,
/// the swallow of what follows a broken stream and the raw REPL's end ("\x04\x04>", or a
/// traceback). The operations a plugin registers are C++ callbacks (ops) run on that thread.
/// Its own frame codec (zlib's crc32) is independent of the host's (mpytool/transfer/frame.hpp).
///
/// Faults: bytes of the host's stream damaged on arrival (damage_in), the first board frames
/// of a type sent with a broken CRC or lost (damage_first, drop_first), a slow reader
/// (read_delay). Records (taken, received, naks, syncs, exit_why, ...) are read after
/// join_agent().
#pragma once

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fake_link.hpp"

namespace mpytool::testing {

class FakeAgentBoard : public FakeLink {
 public:
  /// A ValueError on the board: ends the agent with a traceback ("ValueError: <why>").
  struct Exit {
    std::string why;
  };
  /// An OSError in an operation: reported as an X frame ("errno message").
  struct OpError {
    int err = 0;
    std::string message;
  };
  /// The board reboots (prints \p banner; nothing of the agent is left).
  struct Reboot {
    std::string banner;
  };
  /// One frame as the agent took it.
  struct Taken {
    char type = 0;
    std::string payload;
  };
  /// An operation, run on the agent's thread with the frame's payload.
  using Op = std::function<void(FakeAgentBoard& agent, const std::string& payload)>;

  // --- configuration (before the agent starts) ----------------------------------------
  std::map<char, Op> ops;
  int flags = 1;  ///< hello flags: 1 sha256, 2 inflate, 4 deflate
  long mem_free = 100000;
  /// Host-to-board stream offset (bytes since the agent started) -> XOR applied on arrival.
  std::map<std::int64_t, unsigned char> damage_in;
  /// The first N board frames of a type go out with a broken CRC ...
  std::map<char, int> damage_first;
  /// ... or are lost.
  std::map<char, int> drop_first;
  /// Before every read of stdin: a slow board.
  std::chrono::microseconds read_delay{0};
  /// After every D frame sx() sends.
  std::chrono::microseconds stream_delay{0};
  /// Code other than the agent's start: the answer (default: success, no output).
  std::function<FakeReply(const std::string&)> exec_hook;

  // --- records (after join_agent()) ---------------------------------------------------
  int w = 0, n = 0, c = 0;      ///< the agent's parameters as the host started it
  std::vector<Taken> taken;     ///< host frames the agent took, in order
  std::string received;         ///< the data rx() took
  int naks = 0;                 ///< n frames sent (damaged frames seen)
  int syncs = 0;                ///< host syncs found
  int streamed = 0;             ///< D frames sx() sent
  std::string exit_why;         ///< "" when the agent ended normally
  std::size_t max_pending = 0;  ///< most host bytes ever waiting unread in the board's stdin
  bool overrun = false;         ///< the host sent beyond the largest credit it was given

  FakeAgentBoard() {
    on_exec = [this](const std::string& code) {
      if (code.rfind("_mt_ag(", 0) == 0) {
        start_agent(code);
        FakeReply r;
        r.hang = true;
        return r;
      }
      return exec_hook ? exec_hook(code) : FakeReply{};
    };
  }
  ~FakeAgentBoard() override {
    {
      std::lock_guard<std::mutex> l(m_);
      closed_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  /// Waits for the agent's thread (the host has seen its end).
  void join_agent() {
    if (thread_.joinable()) thread_.join();
  }
  /// Types of the frames taken, as a string ("WDDE").
  std::string taken_types() const {
    std::string s;
    for (const Taken& t : taken) s += t.type;
    return s;
  }

  // --- what an operation calls (the x tuple of stream.py) ------------------------------
  /// tx(type, payload): sends a frame; all but D count as answers.
  void tx(char t, const std::string& p = {}) {
    wr(t, p);
    if (t != 'D') {
      ++st3_;
      last_ = {t, p};
    }
  }
  /// rf(): the next intact host frame (a damaged one: nak and the skip to the sync first).
  Taken rf() {
    for (;;) {
      const std::string h = rd(8);
      const std::size_t l = u8(h[2]) | u8(h[3]) << 8;
      if (u8(h[0]) == 0xA5 && l <= static_cast<std::size_t>(n)) {
        std::string p = rd(l);
        const unsigned char seq = static_cast<unsigned char>(st2_ & 255);
        uLong crc = ::crc32(0, &seq, 1);
        crc = ::crc32(crc, reinterpret_cast<const Bytef*>(h.data() + 1), 3);
        crc = ::crc32(crc, reinterpret_cast<const Bytef*>(p.data()), static_cast<uInt>(l));
        if (crc == le32(h, 4)) {
          ++st2_;
          taken.push_back({h[1], p});
          return {h[1], std::move(p)};
        }
      }
      sy();
    }
  }
  /// rx(False, put) of raw D frames up to E, into received; returns E's payload.
  std::string rx() {
    for (;;) {
      Taken f = rf();
      if (f.type == 'E') return f.payload;
      if (f.type != 'D') throw Exit{"seq"};
      received += f.payload;
    }
  }
  /// sx(): sends \p data as D frames of at most n bytes, looking at the host's input between.
  void sx(const std::string& data) {
    for (std::size_t j = 0; j < data.size(); j += static_cast<std::size_t>(n)) {
      tx('D', data.substr(j, static_cast<std::size_t>(n)));
      ++streamed;
      if (stream_delay.count()) std::this_thread::sleep_for(stream_delay);
      ab();
    }
  }

 protected:
  bool wait_readable(double timeout) override {
    if (!agent_ran_) return FakeLink::wait_readable(timeout);
    if (FakeLink::wait_readable(0)) return true;
    std::unique_lock<std::mutex> l(m_);
    return cv_.wait_for(l, std::chrono::duration<double>(timeout), [&] { return !out_.empty(); });
  }
  Bytes read_available() override {
    Bytes b = FakeLink::read_available();
    if (agent_ran_) {
      std::lock_guard<std::mutex> l(m_);
      b += out_;
      out_.clear();
    }
    return b;
  }
  std::size_t write_some(std::string_view data) override {
    {
      std::lock_guard<std::mutex> l(m_);
      if (running_) {
        written += data;
        for (char ch : data) {
          if (auto it = damage_in.find(in_total_); it != damage_in.end()) {
            ch = static_cast<char>(ch ^ it->second);
          }
          ++in_total_;
          in_ += ch;
        }
        if (in_total_ > credit_max_) overrun = true;
        max_pending = std::max(max_pending, in_.size());
        cv_.notify_all();
        return data.size();
      }
    }
    if (agent_ran_ && !back_in_repl_) {  // the agent ended: the board is in the raw REPL again
      join_agent();
      mode = Mode::kRaw;
      back_in_repl_ = true;
    }
    return FakeLink::write_some(data);
  }

 private:
  struct Closed {};

  static unsigned u8(char ch) { return static_cast<unsigned char>(ch); }
  static std::uint32_t le32(const std::string& s, std::size_t at) {
    return u8(s[at]) | u8(s[at + 1]) << 8 | u8(s[at + 2]) << 16 |
           static_cast<std::uint32_t>(u8(s[at + 3])) << 24;
  }
  static std::string u4(std::initializer_list<std::int64_t> v) {
    std::string s;
    for (std::int64_t x : v) {
      for (int i = 0; i < 4; ++i) s += static_cast<char>((x >> (8 * i)) & 0xff);
    }
    return s;
  }

  void start_agent(const std::string& code) {
    std::sscanf(code.c_str(), "_mt_ag(%d,%d,%d", &w, &n, &c);
    std::lock_guard<std::mutex> l(m_);
    agent_ran_ = true;
    back_in_repl_ = false;
    running_ = true;
    thread_ = std::thread([this] { agent(); });
  }

  // The board's frame: 0xA5, type, length, CRC-32 of type + length + payload, payload.
  void wr(char t, const std::string& p) {
    std::string h(8, '\0');
    h[0] = static_cast<char>(0xA5);
    h[1] = t;
    h[2] = static_cast<char>(p.size() & 255);
    h[3] = static_cast<char>(p.size() >> 8);
    uLong crc = ::crc32(0, reinterpret_cast<const Bytef*>(h.data() + 1), 3);
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(p.data()), static_cast<uInt>(p.size()));
    for (int i = 0; i < 4; ++i) h[4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
    if (auto it = drop_first.find(t); it != drop_first.end() && it->second > 0) {
      --it->second;
      return;
    }
    bool damaged = false;
    if (auto it = damage_first.find(t); it != damage_first.end() && it->second > 0) {
      --it->second;
      h[4] = static_cast<char>(h[4] ^ 0x5a);
      damaged = true;
    }
    std::lock_guard<std::mutex> l(m_);
    if (t == 'C' && !damaged) credit_max_ = std::max<std::int64_t>(credit_max_, le32(p, 0));
    out_ += h + p;
    cv_.notify_all();
  }

  // rd(v): reads in pieces of at most w/2, granting read + w before a piece when half of
  // the window is used.
  std::string rd(std::size_t k) {
    std::string v;
    while (v.size() < k) {
      if (st1_ <= st0_ + w / 2) {
        st1_ = st0_ + w;
        for (int i = 0; i < st5_; ++i) wr('C', u4({st1_, st2_}));
      }
      std::size_t r;
      if (!pk_.empty()) {
        r = std::min(pk_.size(), k - v.size());
        v += pk_.substr(0, r);
        pk_.erase(0, r);
      } else {
        if (read_delay.count()) std::this_thread::sleep_for(read_delay);
        std::unique_lock<std::mutex> l(m_);
        cv_.wait(l, [&] { return !in_.empty() || closed_; });
        if (closed_) throw Closed{};
        r = std::min({in_.size(), k - v.size(), static_cast<std::size_t>(std::max(1, w / 2))});
        v += in_.substr(0, r);
        in_.erase(0, r);
      }
      st0_ += static_cast<std::int64_t>(r);
    }
    return v;
  }

  // sy(): nak, then skip byte by byte to the host's sync (found by its CRC); 64 Ctrl-C bytes
  // in a row end the agent.
  void sy() {
    wr('n', u4({st2_}));
    ++naks;
    st5_ = 2;
    std::string win;
    int z = 0;
    for (;;) {
      if (win.size() == 16) win.erase(0, 1);
      const char b = rd(1)[0];
      win += b;
      z = b == '\x03' ? z + 1 : 0;
      if (z > 63) throw Exit{"host"};
      if (win.size() == 16 && u8(win[0]) == 0xA5 && win[1] == 's' && win[2] == 8 && win[3] == 0) {
        uLong crc = ::crc32(0, reinterpret_cast<const Bytef*>(win.data() + 1), 3);
        crc = ::crc32(crc, reinterpret_cast<const Bytef*>(win.data() + 8), 8);
        if (crc == le32(win, 4)) break;
      }
    }
    ++syncs;
    const std::int64_t q = le32(win, 8);
    st0_ = le32(win, 12) + 16;
    wr('r', u4({st2_, st3_, q}));
    if (st3_ > q) wr(last_.first, last_.second);
    for (int i = 0; i < st5_; ++i) wr('C', u4({st1_, st2_}));
  }

  // ab(): every 50 ms, takes what the host sent meanwhile (for rd()); 64 Ctrl-C bytes in a
  // row end the agent.
  void ab() {
    const auto t = std::chrono::steady_clock::now();
    if (t - last_ab_ < std::chrono::milliseconds(50)) return;
    last_ab_ = t;
    std::lock_guard<std::mutex> l(m_);
    while (pk_.size() < static_cast<std::size_t>(w) + 128 && !in_.empty()) {
      const char b = in_[0];
      in_.erase(0, 1);
      pk_ += b;
      pk3_ = b == '\x03' ? pk3_ + 1 : 0;
      if (pk3_ > 63) throw Exit{"host"};
    }
  }

  void fail(const OpError& e) {
    tx('X', std::to_string(e.err) + " OSError(" + std::to_string(e.err) + ", '" + e.message + "')");
    for (;;) {
      const char t = rf().type;
      if (t == 'A' || t == 'Q') return;
    }
  }

  void agent() {
    bool ok = false;
    std::string why;
    try {
      try {
        tx('H', std::to_string(flags) + " " + std::to_string(mem_free));
        for (;;) {
          Taken f = rf();
          if (f.type == 'P') {
            tx('P', f.payload);
            continue;
          }
          auto it = ops.find(f.type);
          if (it == ops.end()) break;
          try {
            it->second(*this, f.payload);
          } catch (const OpError& e) {
            fail(e);
            break;
          }
        }
        ok = true;
      } catch (const Exit& e) {
        why = e.why;
      }
      if (!ok) {
        // Broken stream: swallow what the host still sends until it falls silent (100 ms).
        for (;;) {
          std::unique_lock<std::mutex> l(m_);
          if (!cv_.wait_for(l, std::chrono::milliseconds(100),
                            [&] { return !in_.empty() || closed_; })) {
            break;
          }
          if (closed_) return;
          in_.clear();
        }
      }
    } catch (const Closed&) {
      return;
    } catch (const Reboot& r) {
      std::lock_guard<std::mutex> l(m_);
      exit_why = "reboot";
      out_ += r.banner;
      running_ = false;
      cv_.notify_all();
      return;
    }
    std::lock_guard<std::mutex> l(m_);
    exit_why = why;
    out_ += ok ? std::string("\x04\x04>")
               : "\x04Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in "
                 "<module>\r\nValueError: " +
                     why + "\r\n\x04>";
    running_ = false;
    cv_.notify_all();
  }

  // Shared between the host's thread and the agent's (under m_).
  std::mutex m_;
  std::condition_variable cv_;
  std::string in_;   ///< host bytes the board has not read
  std::string out_;  ///< board bytes the host has not read
  std::int64_t in_total_ = 0;
  std::int64_t credit_max_ = 0;
  bool running_ = false;
  bool closed_ = false;
  bool agent_ran_ = false;
  bool back_in_repl_ = false;  ///< the host's first write after the agent's end was seen
  std::thread thread_;

  // The agent's state (its thread only): st of stream.py and the read-ahead of ab().
  std::int64_t st0_ = 0;  ///< bytes read
  std::int64_t st1_ = 0;  ///< limit granted
  std::int64_t st2_ = 0;  ///< frames taken
  std::int64_t st3_ = 0;  ///< answers sent
  std::pair<char, std::string> last_{0, {}};
  int st5_ = 1;  ///< credit frames per grant
  std::string pk_;
  int pk3_ = 0;
  std::chrono::steady_clock::time_point last_ab_{};
};

}  // namespace mpytool::testing
