// SPDX-License-Identifier: MIT
// The raw-REPL state machine (docs/compatibility.md, "Raw REPL", "Raw-paste mode", "Soft reset and
// monitor"). Every wait is bounded except where the caller asked for "forever" (timeout
// std::nullopt); every failure leaves the REPL state either known-correct or forgotten, so the next
// call re-probes instead of talking into a running program.
#include "mpytool/repl/mpy_comm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "link/conn_repr.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"

namespace mpytool {

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kCtrlA = '\x01';
constexpr char kCtrlB = '\x02';
constexpr char kCtrlC = '\x03';
constexpr char kCtrlD = '\x04';
// A stale mount agent (a previous session's `_mt_bg()`) blocks reading stdin until it gets this
// byte, its VFS ACK; with keyboard interrupts disabled only this unblocks it.
constexpr char kVfsAck = '\x18';

constexpr std::string_view kFriendlyPrompt = "\r\n>>> ";
// The raw-REPL banner is matched to its end, so a stray friendly prompt ("\r\n>>> " also
// contains "\r\n>") left by a late probe answer cannot be taken for it.
constexpr std::string_view kRawBanner = "CTRL-B to exit\r\n>";
constexpr std::string_view kRawPasteRequest =
    "\x05"
    "A\x01";

constexpr int kProbeAttempts = 15;
// A transfer agent (fs plugin) reads frames of up to 8 + 4096 bytes. Its release is sent in
// four parts, each followed by probes, so an idle board answers before it gets them all.
constexpr std::size_t kAgentReleaseBytes = 1040;
constexpr double kProbeTimeout = 0.2;
// Bytes during one probe's wait, without a prompt, that say the board streams: a third of what
// 115200 baud carries in kProbeTimeout.
constexpr std::size_t kStreamingBytes = 768;
constexpr double kBannerTimeout = 1.0;
// Boards that know raw-paste answer within milliseconds; older firmware answers with its
// banner (\x01 re-enters raw mode) or not at all. This is how long silence means "unknown".
constexpr double kRawPasteProbeTimeout = 0.5;
// Submit-only calls (timeout 0) still wait this long for the board to accept the code.
constexpr double kSubmitTimeout = 5.0;
// Streamed stdout is not held; a CmdError gets this much of its end as result().
constexpr std::size_t kStreamedResultKept = 4096;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The wait for the board to accept code: 0 means submit-only, which still needs an answer.
Seconds send_timeout(Seconds timeout) {
  return (timeout && *timeout == 0) ? Seconds(kSubmitTimeout) : timeout;
}

bool submit_only(Seconds timeout) { return timeout && *timeout == 0; }

// What a peer sent while it was probed for the prompt: how much, and how it began.
struct ProbeEcho {
  std::size_t bytes = 0;
  std::string head;  // the first bytes, for telling another protocol and for the error
  void note(std::string_view got) {
    bytes += got.size();
    if (head.size() < 64) head.append(got.substr(0, 64 - head.size()));
  }
};

// Waits up to \p seconds in all for the friendly prompt. Not an inactivity timeout: a program
// that missed the Ctrl-C (it arrived before the program ran) keeps printing, and the next probe
// must still go out.
bool wait_for_prompt(Conn& conn, double seconds, ProbeEcho* echo = nullptr) {
  const auto start = Clock::now();
  std::string seen = conn.flush();
  if (echo) echo->note(seen);
  for (;;) {
    if (seen.find(kFriendlyPrompt) != std::string::npos) return true;
    // Only a tail that may hold the start of the prompt needs keeping.
    if (seen.size() > kFriendlyPrompt.size()) seen.erase(0, seen.size() - kFriendlyPrompt.size());
    const double left = seconds - seconds_since(start);
    if (left <= 0) return false;
    const std::string got = conn.read(std::min(left, 0.05));
    if (echo) echo->note(got);
    seen += got;
  }
}

// A peer that is plainly not a MicroPython REPL, told by how its answer begins (what an HTTP,
// SSH or TLS server says to bytes it does not understand); empty when it may be a board.
std::string foreign_peer(std::string_view head) {
  if (head.starts_with("HTTP/")) return "an HTTP server";
  if (head.starts_with("SSH-")) return "an SSH server";
  // A TLS alert record (content type 21, version 3.x) to our plain bytes.
  if (head.size() >= 2 && head[0] == '\x15' && head[1] == '\x03') return "a TLS server";
  return {};
}

// The first line of what the peer said, printable, for an error message.
std::string excerpt(std::string_view head) {
  while (!head.empty() && (head.front() == '\r' || head.front() == '\n')) head.remove_prefix(1);
  std::string out;
  for (char c : head.substr(0, std::min<std::size_t>(head.find_first_of("\r\n"), 40))) {
    const auto u = static_cast<unsigned char>(c);
    out += u >= 0x20 && u < 0x7F ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  return out;
}

[[noreturn]] void throw_foreign(const Conn& conn, const std::string& what, std::string_view head) {
  throw ConnError(fmt::format("{} is not a MicroPython REPL: it answers like {} ('{}')",
                              conn.description(), what, excerpt(head)),
                  what == "a TLS server" ? "connect with --ssl" : "");
}

// Up to kProbeAttempts probes of Ctrl-C / Ctrl-C / Ctrl-B until the friendly prompt answers.
// What the peer sent goes to \p echo; a peer that answers like another protocol (an HTTP
// server) ends the probing at once with ConnError.
bool probe_prompt(Conn& conn, ProbeEcho& echo) {
  conn.flush();
  int releases = 0;
  bool streaming = false;
  for (int attempt = 0; attempt < kProbeAttempts; ++attempt) {
    // C, C, B: Ctrl-C stops a program, Ctrl-B leaves a raw REPL left by a crashed session.
    std::string probe(1, attempt % 3 == 2 ? kCtrlB : kCtrlC);
    if (attempt >= 4) probe += kVfsAck;
    // A transfer agent left blocked in the middle of a frame (its host vanished) ignores
    // Ctrl-C: it reads stdin with the keyboard interrupt disabled. Enough Ctrl-C bytes complete
    // any frame it waits for; the frame then fails its check, the agent ends and restores
    // Ctrl-C, and the rest are ordinary Ctrl-Cs. Sent only after C, C and B went unanswered (a
    // board idling in the raw REPL answers the B), in parts, at most 4 x 1040 bytes in all.
    // A board that went on sending after a Ctrl-C is an agent streaming a download to a host
    // that is gone: it stops at its next frame once it sees them, so they go at once.
    if (releases < 4 && ((attempt % 3 == 0 && attempt > 0) || streaming)) {
      probe.append(kAgentReleaseBytes, kCtrlC);
      ++releases;
    }
    try {
      conn.write(probe);
      const std::size_t before = echo.bytes;
      if (!wait_for_prompt(conn, kProbeTimeout, &echo)) {
        if (const std::string what = foreign_peer(echo.head); !what.empty()) {
          throw_foreign(conn, what, echo.head);
        }
        streaming = echo.bytes - before >= kStreamingBytes;
        continue;
      }
    } catch (const ConnLost&) {
      // A server that answered and hung up (an HTTP 400): say what it is, not only "closed".
      if (const std::string what = foreign_peer(echo.head); !what.empty()) {
        throw_foreign(conn, what, echo.head);
      }
      throw;
    }
    if (attempt > 0) {
      // Earlier probes may still be answered; drop those prompts so they are not mistaken
      // for the answer to the next command.
      for (int i = 0; i < 20 && !conn.read(0.05).empty(); ++i) {
      }
      conn.flush();
    }
    return true;
  }
  return false;
}

constexpr std::string_view kSoftReboot = "MPY: soft reboot";

// Where a program's traceback ends in \p s: at "\x04>" (back at the raw-REPL prompt), or at
// "\x04" followed by a soft reboot into the raw REPL (SystemExit, machine.soft_reset()), which
// ends with the raw banner. npos until one of them is complete; \p after is set past it and
// \p rebooted tells which.
std::size_t traceback_end(std::string_view s, std::size_t& after, bool& rebooted) {
  for (std::size_t p = s.find('\x04'); p != std::string_view::npos; p = s.find('\x04', p + 1)) {
    const std::string_view rest = s.substr(p + 1);
    if (rest.empty()) return std::string_view::npos;
    if (rest.front() == '>') {
      after = p + 2;
      rebooted = false;
      return p;
    }
    const std::size_t n = std::min(rest.size(), kSoftReboot.size());
    if (rest.substr(0, n) != kSoftReboot.substr(0, n)) continue;
    const std::size_t banner = s.find(kRawBanner, p);
    if (banner == std::string_view::npos) return std::string_view::npos;
    after = banner + kRawBanner.size();
    rebooted = true;
    return p;
  }
  return std::string_view::npos;
}

}  // namespace

MpyComm::MpyComm(Conn& conn)
    : conn_(conn), guard_(conn, [this](std::string_view code, Seconds timeout) {
        return plain_exec(code, timeout, nullptr);
      }) {
  // A flood the bound ended was interrupted (Ctrl-C): the REPL state is not known any more,
  // whichever read of this class (or of a transfer session over it) met the bound.
  conn_.set_overflow_handler([this] { abandon_program(); });
}
MpyComm::~MpyComm() { conn_.set_overflow_handler({}); }

bool MpyComm::stop_current_operation() {
  if (repl_mode_) return true;
  submitted_ = false;
  ProbeEcho echo;
  if (!probe_prompt(conn_, echo)) {
    logger().info("could not establish the REPL state");
    return false;
  }
  repl_mode_ = false;
  return true;
}

void MpyComm::enter_raw_repl(int max_retries) {
  if (repl_mode_ == true) return;
  // A program submitted without waiting may still run and print: a Ctrl-A would go to it as
  // input and the banner wait would never time out behind its output. Probe (Ctrl-C) instead.
  if (submitted_) repl_mode_.reset();
  submitted_ = false;
  std::string heard;  // the start of what a peer without a prompt said
  for (int attempt = 1; attempt <= max_retries; ++attempt) {
    const bool trusted_state = repl_mode_.has_value();
    bool ready = trusted_state;  // the friendly prompt is known: no probing (as stop_...())
    if (!ready) {
      ProbeEcho echo;
      ready = probe_prompt(conn_, echo);
      if (ready) repl_mode_ = false;
      // Not a byte for every probe (about 3 s, the stuck transfer agent's release included):
      // nothing that answers a REPL is there. More rounds would only say so later.
      if (!ready && echo.bytes == 0) {
        throw ConnError(fmt::format("no MicroPython REPL answers on {}: silent to every probe",
                                    conn_.description()),
                        "is it the board's REPL (port, address)? a board that ignores Ctrl-C "
                        "needs a reset");
      }
      if (!ready && heard.empty()) heard = echo.head;
    }
    if (ready) {
      conn_.write(std::string_view(&kCtrlA, 1));
      try {
        conn_.read_until(kRawBanner, kBannerTimeout);
        repl_mode_ = true;
        return;
      } catch (const Timeout&) {
        // The recorded state was wrong (e.g. a submitted program still runs): probe again.
        repl_mode_.reset();
      }
    }
    if (attempt < max_retries) {
      // Shown with -d: a busy or stale board often needs a second round; the error says the rest.
      logger().info("could not establish the REPL connection, retry {}/{}", attempt, max_retries);
    }
  }
  // The board does not answer: exit 3.
  throw ConnError(fmt::format("no MicroPython REPL answers on {}{}", conn_.description(),
                              heard.empty() ? "" : fmt::format(" (it said '{}')", excerpt(heard))));
}

void MpyComm::exit_raw_repl() {
  if (repl_mode_ != true) return;
  conn_.write(std::string_view(&kCtrlB, 1));
  try {
    conn_.read_until(kFriendlyPrompt, 1.0);
  } catch (const Timeout&) {
    repl_mode_.reset();
    throw;
  }
  repl_mode_ = false;
}

void MpyComm::reset_state() {
  repl_mode_.reset();
  submitted_ = false;
  raw_paste_.reset();
  guard_.forget();
}

bool looks_like_boot(std::string_view text) {
  for (const char* sign : {"MicroPython v", "rst:0x", "ets Jun", "ESP-ROM:", "boot:0x"}) {
    if (text.find(sign) != std::string_view::npos) return true;
  }
  return false;
}

void MpyComm::chip_reset() {
  // Nothing of this session is left on the board; it boots to the friendly REPL.
  repl_mode_.reset();
  submitted_ = false;
  guard_.forget();
  if (on_soft_reboot_) on_soft_reboot_();
  throw BoardReset("the board reset");
}

Bytes MpyComm::exec(std::string_view code, Seconds timeout) {
  return guard_.run(code, submit_only(timeout), true,
                    [&](std::string_view w) { return plain_exec(w, timeout, nullptr); });
}

void MpyComm::exec(std::string_view code, Seconds timeout, const OutputCallback& out) {
  guard_.run(code, submit_only(timeout), false,
             [&](std::string_view w) { return plain_exec(w, timeout, &out); });
}

// On a link that drops what overflows the board's stdin (Conn::drops_input()) the code goes
// through raw-paste's windows, whose end ack then stands for the raw REPL's "OK".
void MpyComm::submit(std::string_view code, Seconds timeout) {
  if (conn_.drops_input() && raw_paste_ != false && !guard_.noisy()) {
    try {
      paste_code(code, timeout);
      return conn_.unread("OK");
    } catch (const MpyError&) {
      if (raw_paste_ != false) throw;  // anything but "raw-paste not supported"
    }
  }
  enter_raw_repl();
  conn_.flush();
  conn_.write(code);
  conn_.write(std::string_view(&kCtrlD, 1));
}

Bytes MpyComm::plain_exec(std::string_view code, Seconds timeout, const OutputCallback* out) {
  ++exchanges_;
  submit(code, timeout);
  if (guard_.tolerant() && out == nullptr && !submit_only(timeout))
    return read_answer(code, timeout);
  try {
    conn_.read_until("OK", send_timeout(timeout));
  } catch (const Timeout&) {
    repl_mode_.reset();
    throw;
  }
  return after_submit(code, timeout, out);
}

// The code is on the board. Submit-only: the program keeps running in the raw REPL; record
// "friendly" as the Python mpytool does, and mark it submitted so the next enter_raw_repl() probes
// instead of trusting that state. Otherwise read the result framing.
Bytes MpyComm::after_submit(std::string_view code, Seconds timeout, const OutputCallback* out) {
  if (submit_only(timeout)) {
    repl_mode_ = false;
    submitted_ = true;
    return {};
  }
  return finish_exec(code, timeout, out);
}

// Reads the result framing that follows OK (or the raw-paste end ack): stdout until \x04,
// then the traceback until \x04>. Without \p out, \p timeout is an inactivity timeout; with it,
// stdout is streamed (a CmdError's result() then has its last kStreamedResultKept bytes; the
// return value is empty) and \p timeout bounds the total run time. What is held (stdout
// without \p out, the traceback) is bounded by kMaxAnswer.
Bytes MpyComm::finish_exec(std::string_view code, Seconds timeout, const OutputCallback* out) {
  Bytes stdout_text, stderr_text;
  try {
    if (out == nullptr) {
      stdout_text = conn_.read_until(std::string_view(&kCtrlD, 1), timeout);
      Bytes rest;
      std::size_t after = 0;
      bool rebooted = false;
      std::size_t end;
      while ((end = traceback_end(rest, after, rebooted)) == Bytes::npos) {
        if (rest.size() > kMaxAnswer) conn_.answer_too_large();
        rest += conn_.read_bytes(1, rest.find("\x04M") != Bytes::npos ? Seconds(5.0) : timeout);
        rest += conn_.flush();
      }
      // What followed the end stays for the next read, as if read byte by byte.
      conn_.unread(std::string_view(rest).substr(after));
      stderr_text = rest.substr(0, end);
      if (rebooted) board_rebooted();
    } else {
      // Conn has no "unread", so once bytes are taken from it they are framed here.
      const auto start = Clock::now();
      Bytes pending = conn_.flush();
      for (;;) {
        std::size_t end = pending.find(kCtrlD);
        const std::string_view shown = std::string_view(pending).substr(0, end);
        if (!shown.empty()) (*out)(shown);
        // Only the end of what was shown is kept, for a CmdError's result().
        stdout_text += shown;
        if (stdout_text.size() > kStreamedResultKept) {
          stdout_text.erase(0, stdout_text.size() - kStreamedResultKept);
        }
        if (end != Bytes::npos) {
          pending.erase(0, end + 1);
          break;
        }
        pending.clear();
        double wait = 0.05;
        if (timeout) {
          double left = *timeout - seconds_since(start);
          if (left <= 0) throw Timeout("Execution timeout");
          wait = std::min(wait, left);
        }
        pending = conn_.read(wait);
      }
      // The traceback follows the program's end at once; allow at least a second for it.
      const double err_timeout =
          timeout ? std::max(1.0, *timeout - seconds_since(start)) : kSubmitTimeout;
      auto last_data = Clock::now();
      std::size_t end, after = 0;
      bool rebooted = false;
      while ((end = traceback_end(pending, after, rebooted)) == Bytes::npos) {
        if (pending.size() > kMaxAnswer) conn_.answer_too_large();
        Bytes more = conn_.read(0.05);
        if (!more.empty()) {
          pending += more;
          last_data = Clock::now();
        } else if (seconds_since(last_data) >= err_timeout) {
          throw Timeout(pending.empty()
                            ? "No data received"
                            : "During timeout received: " + detail::bytes_repr(pending, 64));
        }
      }
      stderr_text = pending.substr(0, end);
      if (rebooted) board_rebooted();
    }
  } catch (const Timeout&) {
    // The program may still be running; do not trust the raw-REPL state any more.
    repl_mode_.reset();
    throw;
  }
  if (!stderr_text.empty()) {
    throw CmdError(std::string(code), std::move(stdout_text), std::move(stderr_text));
  }
  if (out != nullptr) return {};
  return stdout_text;
}

// The answer to guarded code on a link that may damage bytes: "OK", stdout, \x04, traceback,
// \x04>, where any of the framing bytes may arrive altered. A damaged OK is taken as one; a
// lost \x04 throws AnswerDamaged (the caller sends the code again), so does silence where
// the OK should be (the board did not get the code's end).
Bytes MpyComm::read_answer(std::string_view code, Seconds timeout) {
  const double ok_wait = 1.0 + static_cast<double>(code.size()) / 960.0;  // 9600 baud at least
  const auto start = Clock::now();
  auto last = start;
  Bytes buf = conn_.flush();  // submit()'s "OK" after a raw-paste
  for (;;) {
    Bytes more = conn_.read(0.05);
    if (!more.empty()) {
      buf += more;
      last = Clock::now();
      if (buf.size() > kMaxAnswer) conn_.answer_too_large();
    } else if (buf.empty()) {
      if (seconds_since(start) > ok_wait)
        throw CodeGuard::AnswerDamaged{"no OK from the board", false};
      continue;
    } else if (timeout && seconds_since(last) > *timeout) {
      repl_mode_.reset();
      throw Timeout("During timeout received: " + detail::bytes_repr(buf, 64));
    } else if (seconds_since(last) > 0.3 && buf.find(kFriendlyPrompt) != Bytes::npos) {
      // The chip reset (its ROM's text, the banner without a soft reboot before it).
      if (buf.find("soft reboot") == Bytes::npos && looks_like_boot(buf)) chip_reset();
      // A byte of the code turned into Ctrl-B: the board left the raw REPL, echoing the rest.
      repl_mode_.reset();
      throw CodeGuard::AnswerDamaged{"the board left the raw REPL", false};
    }
    if (buf.size() < 2) continue;
    const std::string_view body = std::string_view(buf).substr(2);
    const std::size_t m = body.find(kCtrlD);
    if (m == std::string_view::npos) continue;
    const std::string_view rest = body.substr(m + 1);
    if (!rest.empty() && rest.front() == '>') {
      throw CodeGuard::AnswerDamaged{"the answer's framing", true, buf.size()};
    }
    std::size_t after = 0;
    bool rebooted = false;
    std::size_t e = traceback_end(rest, after, rebooted);
    if (e == std::string_view::npos) {
      // The end's \x04 or '>' damaged: the board fell silent after them.
      if (rest.size() < 2 || rest.find("\x04M") != std::string_view::npos ||
          seconds_since(last) < 0.5) {
        continue;
      }
      e = rest.size() - 2;
    }
    if (buf.compare(0, 2, "OK") != 0) logger().debug("guard: a damaged OK taken as one");
    Bytes stdout_text(body.substr(0, m));
    Bytes stderr_text(rest.substr(0, e));
    if (rebooted) board_rebooted();
    // A byte of stdout turned into \x04: the rest of stdout reads as the traceback.
    if (!stderr_text.empty() &&
        (stderr_text.find('\x06') != Bytes::npos ||
         (stderr_text.find("Trace") == Bytes::npos && stderr_text.find("Error") == Bytes::npos))) {
      throw CodeGuard::AnswerDamaged{"the answer's framing", true, buf.size()};
    }
    if (!stderr_text.empty()) {
      throw CmdError(std::string(code), std::move(stdout_text), std::move(stderr_text));
    }
    return stdout_text;
  }
}

void MpyComm::start_program(std::string_view code, Seconds timeout) {
  // A damaged start shows only when the program's end is read (the caller may start again:
  // CodeGuard::is_failure()).
  if (!guard_.enabled()) return start_plain(code, timeout);
  start_plain(guard_.wrap_for_start(code), timeout);
}

void MpyComm::start_plain(std::string_view code, Seconds timeout) {
  ++exchanges_;
  submit(code, timeout);
  try {
    conn_.read_until("OK", timeout);
  } catch (const Timeout&) {
    repl_mode_.reset();
    throw;
  }
}

Bytes MpyComm::finish_program(std::string_view code, Seconds timeout, bool stdout_ended) {
  Bytes stdout_text;
  Bytes stderr_text;
  try {
    if (!stdout_ended) stdout_text = conn_.read_until(std::string_view(&kCtrlD, 1), timeout);
    stderr_text = conn_.read_until("\x04>", timeout);
  } catch (const Timeout&) {
    repl_mode_.reset();
    throw;
  }
  if (!stderr_text.empty()) {
    throw CmdError(std::string(code), std::move(stdout_text), std::move(stderr_text));
  }
  return stdout_text;
}

void MpyComm::board_rebooted() {
  // The program ended with a soft reboot: the board is back in the raw REPL, its RAM is new.
  repl_mode_ = true;
  submitted_ = false;
  guard_.forget();
  logger().info("the program soft-rebooted the board");
  if (on_soft_reboot_) on_soft_reboot_();
}

void MpyComm::abandon_program() noexcept {
  repl_mode_.reset();
  submitted_ = false;
}

PyValue MpyComm::exec_eval(std::string_view expr, Seconds timeout) {
  std::string code = "print(";
  code += expr;
  code += ")";
  return parse_literal(exec(code, timeout));
}

Bytes MpyComm::exec_raw_paste(std::string_view code, Seconds timeout, const OutputCallback* out) {
  return guard_.run(code, submit_only(timeout), out == nullptr,
                    [&](std::string_view w) { return paste(w, timeout, out); });
}

Bytes MpyComm::paste(std::string_view code, Seconds timeout, const OutputCallback* out) {
  ++exchanges_;
  // A link that damages bytes: the raw REPL's framing recovers from that, raw-paste's
  // window bytes would not.
  if (guard_.tolerant() && guard_.noisy()) return plain_exec(code, timeout, out);
  paste_code(code, timeout);
  return after_submit(code, timeout, out);
}

void MpyComm::paste_code(std::string_view code, Seconds timeout) {
  const auto unsupported = [] { return MpyError("Raw-paste mode not supported by device"); };
  if (raw_paste_ == false) throw unsupported();
  enter_raw_repl();
  conn_.flush();
  conn_.write(kRawPasteRequest);

  // Look for the R<status> header in whatever the board sends. Old firmware does not know the
  // request: \x05 and 'A' land in its code buffer and \x01 re-prints the raw-REPL banner (or a
  // broken board says nothing); either way no header arrives before the board goes quiet.
  Bytes reply;
  std::size_t header = Bytes::npos;
  auto last_data = Clock::now();
  for (;;) {
    std::size_t r1 = reply.find("R\x01"), r0 = reply.find(std::string_view("R\x00", 2));
    header = std::min(r1, r0);
    if (header != Bytes::npos) break;
    // Old firmware's answer is the banner: no need to wait for silence.
    if (reply.find(kRawBanner) != Bytes::npos || reply.size() > 256 ||
        seconds_since(last_data) >= kRawPasteProbeTimeout) {
      break;
    }
    Bytes more = conn_.read(0.05);
    if (!more.empty()) {
      reply += more;
      last_data = Clock::now();
    }
  }
  if (header == Bytes::npos) {
    logger().info("raw-paste: no header from the board ({} bytes), using plain exec", reply.size());
    raw_paste_ = false;
    // Ctrl-C empties the raw-REPL code buffer (and aborts a raw-paste that answered too
    // late); Ctrl-A then re-enters the raw REPL, which clears it again and prints the banner.
    conn_.write("\x03\x01");
    try {
      conn_.read_until(kRawBanner, kBannerTimeout);
    } catch (const Timeout&) {
      // Nothing sane came back: run the full recovery from an unknown state.
      repl_mode_.reset();
      enter_raw_repl();
    }
    throw unsupported();
  }
  if (reply[header + 1] == '\0') {
    // The board understood and declined; it is back in the raw REPL with an empty buffer.
    logger().info("raw-paste: declined by the board, using plain exec");
    raw_paste_ = false;
    throw unsupported();
  }
  if (!raw_paste_) logger().info("raw-paste: supported");
  raw_paste_ = true;

  // The board sends its window size and, like firmware (mp_reader_new_stdin), one \x01 at once:
  // two windows are free at the start. Only those bytes can have been read past the header;
  // from here on every byte comes through read_bytes() and whatever follows the end-of-data ack
  // stays buffered in the Conn for finish_exec().
  Bytes early = reply.substr(header + 2);
  const Seconds wait = send_timeout(timeout);
  auto next_byte = [&]() -> char {
    if (early.empty()) return conn_.read_bytes(1, wait).front();
    char c = early.front();
    early.erase(0, 1);
    return c;
  };
  try {
    std::size_t window = static_cast<unsigned char>(next_byte());
    window |= static_cast<std::size_t>(static_cast<unsigned char>(next_byte())) << 8;
    if (window == 0) throw MpyError("unexpected raw-paste window size: 0");

    // Flow control: never send more than the board granted; each \x01 grants another window.
    std::size_t remaining = window, sent = 0;
    bool aborted = false;
    Bytes stray;
    std::size_t strays = 0;  // bytes read while sending: a flood of them is bounded
    // What the board sends while the code goes: a grant, the end of its reading (e.g. a syntax
    // error: acknowledged, then its result is read), or anything else (ignored; a chip reset's
    // boot text among it ends the paste).
    const auto take = [&](char c) {
      if (++strays > kMaxAnswer) conn_.answer_too_large();
      if (c == kCtrlA) {
        remaining += window;
      } else if (c == kCtrlD) {
        conn_.write(std::string_view(&kCtrlD, 1));
        aborted = true;
      } else {
        logger().debug("raw-paste: unexpected byte 0x{:02x} ignored",
                       static_cast<unsigned char>(c));
        stray += c;
        if (stray.size() > 256) stray.erase(0, stray.size() - 256);
        if (c == ' ' && looks_like_boot(stray) && stray.find(kFriendlyPrompt) != Bytes::npos) {
          chip_reset();
        }
      }
    };
    // The bytes read with the header first: the initial grant (or grants), or an immediate
    // abort, after which the board sends its result only once acknowledged.
    while (!early.empty() && !aborted) take(next_byte());
    if (!early.empty()) {
      logger().debug("raw-paste: {} bytes after the abort dropped", early.size());
      early.clear();
    }
    while (sent < code.size() && !aborted) {
      while (!aborted && (remaining == 0 || conn_.has_data(0))) take(next_byte());
      if (aborted) break;
      std::size_t n = std::min(remaining, code.size() - sent);
      conn_.write(code.substr(sent, n));
      sent += n;
      remaining -= n;
    }
    if (!aborted) {
      conn_.write(std::string_view(&kCtrlD, 1));
      // The board acknowledges the end of data with \x04; window grants still in flight are
      // dropped on the way.
      while (next_byte() != kCtrlD) {
        if (++strays > kMaxAnswer) conn_.answer_too_large();
      }
    }
  } catch (const Timeout&) {
    repl_mode_.reset();
    throw;
  }
}

Bytes MpyComm::try_raw_paste(std::string_view code, Seconds timeout, const OutputCallback* out) {
  if (raw_paste_ != false) {
    try {
      return exec_raw_paste(code, timeout, out);
    } catch (const CmdError&) {
      throw;
    } catch (const MpyError&) {
      // exec_raw_paste marks the board unsupported before it throws for that reason; any other
      // MpyError (Timeout, a bad header) is a real failure.
      if (raw_paste_ != false) throw;
    }
  }
  if (out) {
    exec(code, timeout, *out);
    return {};
  }
  return exec(code, timeout);
}

void MpyComm::soft_reset() {
  stop_current_operation();
  exit_raw_repl();
  conn_.write(std::string_view(&kCtrlD, 1));
  conn_.read_until("soft reboot", 1.0);
  reset_state();
}

void MpyComm::soft_reset_raw() {
  enter_raw_repl();
  conn_.flush();
  conn_.write(std::string_view(&kCtrlD, 1));
  try {
    conn_.read_until("soft reboot", 1.0);
    conn_.read_until(">", 1.0);
  } catch (const Timeout&) {
    repl_mode_.reset();
    throw;
  }
  repl_mode_ = true;
  guard_.forget();
}

void MpyComm::interrupt() {
  conn_.write(std::string_view(&kCtrlC, 1));
  repl_mode_.reset();
  submitted_ = false;
}

void MpyComm::monitor(const OutputCallback& out, bool follow,
                      const std::function<bool()>& keep_going) {
  exit_raw_repl();
  // Keep the last len-1 bytes so a prompt split across two chunks is still found.
  std::string tail;
  // After a submit-only exec: 0 program stdout, 1 traceback (after the first \x04), 2 after
  // the second \x04, waiting for the raw prompt '>'.
  int frame = 0;
  // Output already buffered by an earlier read_until (e.g. boot messages right after
  // "soft reboot", or a submitted program's first lines) comes first; read() alone would never
  // return it.
  Bytes chunk = conn_.flush();
  while (!keep_going || keep_going()) {
    if (chunk.empty()) chunk = conn_.read(0.1);
    if (chunk.empty()) continue;
    bool program_ended = false;
    if (submitted_) {
      Bytes text;
      text.reserve(chunk.size());
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        const char c = chunk[i];
        if (c == kCtrlD && frame < 2) {
          ++frame;
        } else if (c == '>' && frame == 2) {
          // The program ended and the board waits at the raw-REPL prompt.
          submitted_ = false;
          repl_mode_ = true;
          program_ended = true;
          text.append(chunk, i + 1);
          break;
        } else {
          // Anything between the second \x04 and '>' (a SystemExit's soft-reboot banner) is
          // shown; the banner's own '>' then ends the program.
          text += c;
        }
      }
      chunk = std::move(text);
    }
    if (!chunk.empty()) out(chunk);
    if (program_ended && !follow) return;
    if (follow) {
      chunk.clear();
      continue;
    }
    tail += chunk;
    if (tail.find(kFriendlyPrompt) != std::string::npos) {
      repl_mode_ = false;
      submitted_ = false;
      return;
    }
    if (tail.size() >= kFriendlyPrompt.size()) {
      tail.erase(0, tail.size() - (kFriendlyPrompt.size() - 1));
    }
    chunk.clear();
  }
  // Stopped watching (Ctrl-C) while the program may still run: the next command must probe
  // rather than trust a state the program is still holding.
  repl_mode_.reset();
  submitted_ = false;
}

}  // namespace mpytool
