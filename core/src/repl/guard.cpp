// SPDX-License-Identifier: MIT
// The CRC guard over the raw REPL: wraps code for core/helpers/guard.py, checks answers, and
// sends again what a noisy link damaged (the raw-REPL side is MpyComm's).
#include "mpytool/repl/guard.hpp"

#include <fmt/format.h>

#include <chrono>

#include "mpytool/base/digest.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool {

namespace detail {
std::string_view helper_source(std::string_view name);  // the embedded core/helpers/*.py
}  // namespace detail

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

constexpr char kCtrlC = '\x03';
// The guard's own traffic waits this long for the board to accept it.
constexpr double kSendTimeout = 5.0;

// A traceback of guarded code as if it had run by itself: without the wrapper's line and the
// guard's frame.
std::string without_guard_frames(const std::string& t) {
  if (t.find("in _mt_g") == std::string::npos) return t;
  std::string out;
  bool first_stdin = true;
  for (std::size_t p = 0; p < t.size();) {
    std::size_t e = t.find('\n', p);
    e = e == std::string::npos ? t.size() : e + 1;
    const std::string_view line = std::string_view(t).substr(p, e - p);
    const bool wrapper =
        first_stdin && line.find("File \"<stdin>\", line 1, in <module>") != std::string_view::npos;
    if (wrapper) first_stdin = false;
    if (!wrapper && line.find(", in _mt_g") == std::string_view::npos) out += line;
    p = e;
  }
  return out;
}

// The guard keeps the last answer when it is short (and which code it was of).
constexpr std::size_t kAnswerKept = 1024;

// Sets a flag for one scope (CodeGuard::tolerant_: the tolerant reader reads this exchange's
// answer).
struct Tolerant {
  bool& flag;
  explicit Tolerant(bool& f, bool on = true) : flag(f) { flag = on; }
  ~Tolerant() { flag = false; }
  Tolerant(const Tolerant&) = delete;
  Tolerant& operator=(const Tolerant&) = delete;
};

// Guarded code this long or longer goes in pieces once the link has damaged something.
constexpr std::size_t kPieceNoisy = 256;
constexpr int kAttempts = 12;

}  // namespace

CodeGuard::CodeGuard(Conn& conn, PlainExec plain) : conn_(conn), plain_(std::move(plain)) {}

std::string CodeGuard::wrap(std::string_view code, std::string_view args) {
  std::string w = fmt::format("_mt_g({},", crc32_of(code));
  w += bytes_literal(code);
  w += args;
  w += ')';
  return w;
}

std::string CodeGuard::bytes_literal(std::string_view data) {
  std::string w = "b'";
  static const char hex[] = "0123456789abcdef";
  for (unsigned char c : data) {
    if (c == '\\' || c == '\'') {
      w += '\\';
      w += static_cast<char>(c);
    } else if (c == '\n') {
      w += "\\n";
    } else if (c >= 0x20 && c < 0x7f) {
      w += static_cast<char>(c);
    } else {
      w += "\\x";
      w += hex[c >> 4];
      w += hex[c & 15];
    }
  }
  w += '\'';
  return w;
}

// What a guarded exec that did not run looks like: the guard's mismatch, or the call damaged
// (a SyntaxError, a misspelt _mt_g, a wrong argument): an error raised before any of the
// code ran (a traceback without a frame of the exec'd code's top level).
bool CodeGuard::is_failure(const CmdError& e) {
  const std::string& t = e.error();
  if (t.find("mpytool guard") != std::string::npos) return true;
  // The code ran if the traceback has a frame of its top level (the guard is "<string>" too).
  for (std::size_t p = t.find("File \"<string>\""); p != std::string::npos;
       p = t.find("File \"<string>\"", p + 1)) {
    const std::size_t eol = t.find('\n', p);
    if (t.substr(p, eol == std::string::npos ? eol : eol - p).find("in <module>") !=
        std::string::npos) {
      return false;
    }
  }
  // Whatever else stopped it (a damaged call: SyntaxError, NameError, TypeError; a damaged
  // bootstrap of the guard: AttributeError) came before any of it ran.
  return t.find("Traceback") != std::string::npos || t.find("Error") != std::string::npos;
}

void CodeGuard::define() {
  if (defined_) return;
  // The guard checks itself before it is defined: a damaged definition would guard nothing.
  const std::string_view src = detail::helper_source("guard");
  const std::uint32_t crc = crc32_of(src);
  if (!asked_) {
    asked_ = true;
    ask_kept();
    defined_ = kept_.count(crc) != 0;
    if (defined_) return;
  }
  // A new guard starts a new registry.
  kept_.clear();
  const std::string def = fmt::format(
      "_mt_s={}\nif __import__('ubinascii').crc32(_mt_s)=={}:exec(_mt_s)\n"
      "else:raise OSError(0,'mpytool guard')\ndel _mt_s\n_mt_H={{{}}}\n",
      bytes_literal(src), crc, crc);
  send_until_intact(def, "the guard's definition");
  defined_ = true;
}

void CodeGuard::ask_kept() {
  Bytes answer;
  try {
    const Tolerant scope(tolerant_);
    answer = plain_("print(repr(globals().get('_mt_H')))", kSendTimeout);
  } catch (const CmdError&) {
    return;
  } catch (const AnswerDamaged&) {
    return;
  }
  // A damaged answer cannot name a helper with its exact CRC-32: at worst one is sent again.
  try {
    const PyValue v = parse_literal(answer);
    if (v.type() != PyValue::Type::kSet) return;
    for (const PyValue& crc : v.items()) {
      if (crc.is_int()) kept_.insert(static_cast<std::uint32_t>(crc.as_int()));
    }
  } catch (const MpyError&) {
    kept_.clear();
  }
}

bool CodeGuard::kept(std::uint32_t crc) {
  if (!enabled_) return false;
  define();
  return kept_.count(crc) != 0;
}

std::string CodeGuard::keep(std::uint32_t crc) const {
  return enabled_ ? fmt::format("_mt_H.add({})\n", crc) : std::string();
}

// Sends \p wire, which is safe to run twice (the guard's definition, a kept piece), until it
// arrives intact and its answer comes back readable; each try counts on the guard's bytes.
void CodeGuard::send_until_intact(std::string_view wire, std::string_view what) {
  for (int attempt = 0;; ++attempt) {
    bytes_ += static_cast<std::int64_t>(wire.size());
    try {
      const Tolerant scope(tolerant_);
      plain_(wire, kSendTimeout);
      return;
    } catch (const CmdError& e) {
      if (attempt >= kAttempts || !is_failure(e)) throw;
      note_damage(what);
    } catch (const AnswerDamaged& d) {
      if (attempt >= kAttempts) throw MpyError(d.what);
      note_damage(fmt::format("the answer to {}", what));
    }
  }
}

void CodeGuard::note_damage(std::string_view what) {
  ++resends_;
  piece_ = kPieceNoisy;
  clean_ = 0;
  logger().debug("guard: {} arrived damaged, sending it again", what);
  // Whatever is still on the way belongs to the damaged exchange; a Ctrl-C clears a raw-REPL
  // line that lost its end (or stops what runs), then the board falls silent.
  conn_.write(std::string_view(&kCtrlC, 1));
  const auto start = Clock::now();
  auto last = Clock::now();
  while (seconds_since(last) < 0.25 && seconds_since(start) < 3.0) {
    if (!conn_.read(0.05).empty()) last = Clock::now();
  }
}

std::string CodeGuard::wrap_for_start(std::string_view code) {
  define();
  std::string wire = wrap(code);
  bytes_ += static_cast<std::int64_t>(wire.size() - code.size());
  return wire;
}

Bytes CodeGuard::checked_answer(Bytes out) {
  const std::size_t size = out.size();
  // The guard's trailer: \x06 and the CRC-32 of what print() wrote, 8 hex digits.
  if (out.size() < 9 || out[out.size() - 9] != '\x06') {
    throw AnswerDamaged{"no answer checksum", true, size};
  }
  const std::string hex = out.substr(out.size() - 8);
  out.resize(out.size() - 9);
  // The board's terminal wrote each \n of print() as \r\n.
  std::string printed;
  printed.reserve(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!(out[i] == '\r' && i + 1 < out.size() && out[i + 1] == '\n')) printed += out[i];
  }
  if (hex != fmt::format("{:08x}", crc32_of(printed))) {
    throw AnswerDamaged{"answer checksum", true, size};
  }
  return out;
}

Bytes CodeGuard::send_guarded(std::string_view code, bool check, const Send& send) {
  define();
  const std::string answer = check ? ",0,1" : "";
  std::string wire;
  if (code.size() <= piece_) {
    wire = wrap(code, answer);
  } else {
    // Pieces, each kept by the board once it arrived intact, then one call that runs them.
    std::size_t n = 0;
    for (std::size_t at = 0; at < code.size(); at += piece_) {
      send_until_intact(wrap(code.substr(at, piece_), fmt::format(",{}", ++n)), "a piece of code");
    }
    wire = fmt::format("_mt_g({},None,{}{})", crc32_of(code), n, check ? ",1" : "");
  }
  bytes_ += static_cast<std::int64_t>(wire.size()) - static_cast<std::int64_t>(code.size());
  const Tolerant scope(tolerant_, check);
  Bytes out = send(wire);
  return check ? checked_answer(std::move(out)) : out;
}

Bytes CodeGuard::run(std::string_view code, bool submit_only, bool check, const Send& send) {
  // Fire-and-forget code cannot be checked: nobody reads whether it ran.
  if (!enabled_ || submit_only) return send(code);
  for (int attempt = 0;; ++attempt) {
    try {
      Bytes out = send_guarded(code, check, send);
      // A link that stayed clean a while gets the long code in one piece again.
      if (piece_ < kPieceClean && ++clean_ >= 32) piece_ = kPieceClean;
      return out;
    } catch (const CmdError& e) {
      if (attempt >= kAttempts || !is_failure(e)) {
        throw CmdError(std::string(code), e.result(), without_guard_frames(e.error()));
      }
      // The guard itself is gone (RAM cleared): define it again.
      if (e.error().find("name '_mt_g'") != std::string::npos) defined_ = false;
      note_damage("code");
    } catch (const AnswerDamaged& d) {
      if (attempt >= kAttempts) {
        throw MpyError(
            fmt::format("the board's answers arrive damaged ({}); check the link", d.what));
      }
      note_damage("an answer");
      // Code that ran is not run twice: its answer is asked for again.
      if (d.ran && check && d.size < kAnswerKept) {
        if (std::optional<Bytes> again = answer_again(code)) return std::move(*again);
      }
    }
  }
}

std::optional<Bytes> CodeGuard::answer_again(std::string_view code) {
  // Not a copy of another code's answer: the guard checks the CRC-32 it was kept with (an
  // answer it does not have, the code did not run after all: "mpytool gone", run it).
  const std::string ask = fmt::format("_mt_g({},None,0,2)", crc32_of(code));
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    try {
      const Tolerant scope(tolerant_);
      return checked_answer(plain_(ask, 5.0));
    } catch (const CmdError& e) {
      if (e.error().find("mpytool gone") != std::string::npos || !is_failure(e)) {
        return std::nullopt;
      }
      note_damage("the request for an answer");
    } catch (const AnswerDamaged&) {
      note_damage("an answer asked for again");
    }
  }
  return std::nullopt;
}

}  // namespace mpytool
