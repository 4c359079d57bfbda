// SPDX-License-Identifier: MIT
/// \file
/// FakeLink: a Conn that behaves like a MicroPython board at the byte level, synchronously.
/// Every byte the host writes is fed to a small REPL state machine (friendly REPL, raw REPL,
/// raw-paste with window grants, a running program); what the board would print is queued
/// and handed back by reads. There is no Python: executed code is answered from a table.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "mpytool/link/conn.hpp"

namespace mpytool::testing {

/// What running one piece of code prints.
struct FakeReply {
  std::string out;           ///< stdout
  std::string err;           ///< traceback text; empty when the code succeeds
  bool hang = false;         ///< the program prints `out` and keeps running (until Ctrl-C)
  bool soft_reboot = false;  ///< the program raises SystemExit: the board reboots into raw REPL
};

class FakeLink : public Conn {
 public:
  /// How the board answers the raw-paste request `\x05A\x01`.
  enum class RawPaste {
    kYes,     ///< R\x01 + window (+ the initial \x01), \x01 grants
    kNo,      ///< R\x00 (knows raw-paste, not compiled in)
    kOld,     ///< old firmware: \x05 'A' go into the code buffer, \x01 re-prints the banner
    kSilent,  ///< says nothing and keeps all three bytes in its code buffer
  };
  enum class Mode { kFriendly, kRaw, kPaste, kPasteDrain, kRunning };

  // --- configuration -------------------------------------------------------------------
  RawPaste raw_paste = RawPaste::kYes;
  std::size_t window = 32;
  /// Raw-paste: one \x01 right after the window size, as firmware sends (mp_reader_new_stdin):
  /// two windows are free at the start. false: one window, as older boards and tools assume.
  bool initial_grant = true;
  /// Raw-paste: a \x01 after every window received; false: only the grants at the start.
  bool regrant = true;
  /// Ctrl-C / Ctrl-B bytes swallowed before the board reacts (booting, busy main.py).
  int busy_probes = 0;
  /// Ignores everything.
  bool dead = false;
  /// In raw-paste, after this many code bytes the board aborts with a SyntaxError (0: at once,
  /// right after the header).
  std::size_t paste_abort_after = std::string::npos;
  /// At most this many bytes per read (to split markers across chunks).
  std::size_t max_chunk = 1 << 20;
  /// Exact code -> reply. Unknown code gets on_exec(), else a NameError traceback.
  std::map<std::string, FakeReply> replies;
  std::function<FakeReply(const std::string&)> on_exec;

  // --- records -------------------------------------------------------------------------
  std::string written;                ///< every byte the host sent
  std::vector<std::string> executed;  ///< code the board ran (raw REPL and raw-paste)
  int paste_requests = 0;             ///< \x05A\x01 sequences seen in the raw REPL
  bool window_violated = false;       ///< the host sent more than it was granted
  int soft_resets = 0;

  Mode mode = Mode::kFriendly;

  explicit FakeLink(Mode start = Mode::kFriendly) : mode(start) {}

  /// Queues board output as if it had printed it spontaneously.
  void emit(std::string_view s) { rx_ += s; }
  /// Ends a hanging program normally.
  void finish_program(std::string_view more_out = {}) {
    rx_ += std::string(more_out) + "\x04\x04>";
    mode = Mode::kRaw;
  }
  int count_written(char c) const {
    return static_cast<int>(std::count(written.begin(), written.end(), c));
  }

  int fd() const override { return -1; }
  void close() override {}
  std::string description() const override { return "fake"; }
  std::string type_name() const override { return "fake"; }

 protected:
  bool wait_readable(double timeout) override {
    if (!rx_.empty()) return true;
    // Nothing is produced while the host waits: the board only reacts to writes.
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(timeout, 0.01)));
    return !rx_.empty();
  }
  Bytes read_available() override {
    Bytes out = rx_.substr(0, max_chunk);
    rx_.erase(0, out.size());
    return out;
  }
  std::size_t write_some(std::string_view data) override {
    written += data;
    // A busy board swallows whole probes: one write of Ctrl-C/Ctrl-B (a probe, possibly with
    // the agent release burst of Ctrl-Cs after it) counts once.
    if (busy_probes > 0 && !dead && (mode == Mode::kFriendly || mode == Mode::kRunning) &&
        !data.empty() && (data[0] == '\x03' || data[0] == '\x02') &&
        data.find_first_not_of("\x02\x03\x18") == std::string_view::npos) {
      --busy_probes;
      return data.size();
    }
    for (char c : data) feed(c);
    return data.size();
  }

 private:
  static constexpr std::string_view kBanner = "raw REPL; CTRL-B to exit\r\n>";
  static constexpr std::string_view kFriendlyBanner =
      "\r\nMicroPython v1.99.0 on fake; FakeBoard\r\nType \"help()\" for more information.\r\n>>> ";

  void feed(char c) {
    if (dead) return;
    if ((c == '\x03' || c == '\x02') && busy_probes > 0 &&
        (mode == Mode::kFriendly || mode == Mode::kRunning)) {
      --busy_probes;
      return;
    }
    switch (mode) {
      case Mode::kFriendly:
        return friendly(c);
      case Mode::kRaw:
        return raw(c);
      case Mode::kPaste:
        return paste(c);
      case Mode::kPasteDrain:
        if (c == '\x04') {
          rx_ +=
              "\x04Traceback (most recent call last):\r\n  File \"<stdin>\", line 1\r\n"
              "SyntaxError: invalid syntax\r\n\x04>";
          mode = Mode::kRaw;
        }
        return;
      case Mode::kRunning:
        if (c == '\x03') {
          rx_ += "\x04Traceback (most recent call last):\r\nKeyboardInterrupt: \r\n\x04>";
          mode = Mode::kRaw;
        }
        return;
    }
  }

  void friendly(char c) {
    switch (c) {
      case '\x03':
        rx_ += "\r\n>>> ";
        break;
      case '\x02':
        rx_ += kFriendlyBanner;
        break;
      case '\x01':
        rx_ += "\r\n";
        rx_ += kBanner;
        line_.clear();
        mode = Mode::kRaw;
        break;
      case '\x04':
        ++soft_resets;
        rx_ += "MPY: soft reboot\r\n";
        rx_ += kFriendlyBanner.substr(2);
        break;
      case '\x18':
        break;
      default:
        rx_ += c;  // echo
    }
  }

  void raw(char c) {
    switch (c) {
      case '\x01':
        if (line_ ==
            "\x05"
            "A") {
          ++paste_requests;
          return raw_paste_request();
        }
        rx_ += kBanner;
        line_.clear();
        return;
      case '\x02':
        rx_ += kFriendlyBanner;
        mode = Mode::kFriendly;
        return;
      case '\x03':
        line_.clear();
        return;
      case '\x04':
        if (line_.empty()) {
          ++soft_resets;
          rx_ += "\r\nMPY: soft reboot\r\n";
          rx_ += kBanner;
          return;
        }
        rx_ += "OK";
        run(std::exchange(line_, {}));
        return;
      default:
        line_ += c;
    }
  }

  void raw_paste_request() {
    switch (raw_paste) {
      case RawPaste::kYes:
        rx_ += "R\x01";
        rx_ += static_cast<char>(window & 0xff);
        rx_ += static_cast<char>((window >> 8) & 0xff);
        line_.clear();
        granted_ = window;
        received_ = 0;
        mode = Mode::kPaste;
        if (paste_abort_after == 0) {
          rx_ += "\x04";
          mode = Mode::kPasteDrain;
          return;
        }
        if (initial_grant) {
          rx_ += "\x01";
          granted_ += window;
        }
        return;
      case RawPaste::kNo:
        rx_ += std::string("R\x00", 2);
        line_.clear();
        return;
      case RawPaste::kOld:
        rx_ += kBanner;
        line_.clear();
        return;
      case RawPaste::kSilent:
        line_ += '\x01';
        return;
    }
  }

  void paste(char c) {
    if (c == '\x04') {
      rx_ += "\x04";
      mode = Mode::kRaw;
      run(std::exchange(line_, {}));
      return;
    }
    if (++received_ > granted_) window_violated = true;
    line_ += c;
    if (received_ == paste_abort_after) {
      rx_ += "\x04";
      line_.clear();
      mode = Mode::kPasteDrain;
      return;
    }
    if (regrant && received_ % window == 0) {
      rx_ += "\x01";
      granted_ += window;
    }
  }

  void run(const std::string& code) {
    executed.push_back(code);
    FakeReply r;
    if (auto it = replies.find(code); it != replies.end()) {
      r = it->second;
    } else if (on_exec) {
      r = on_exec(code);
    } else {
      r.err =
          "Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\n"
          "NameError: name 'x' isn't defined\r\n";
    }
    if (r.hang) {
      rx_ += r.out;
      mode = Mode::kRunning;
      return;
    }
    if (r.soft_reboot) {  // pyexec: both EOFs, then the reboot back into the raw REPL
      rx_ += r.out + "\x04\x04MPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>";
      ++soft_resets;
      return;
    }
    rx_ += r.out + "\x04" + r.err + "\x04>";
  }

  std::string rx_;
  std::string line_;
  std::size_t granted_ = 0;
  std::size_t received_ = 0;
};

}  // namespace mpytool::testing
