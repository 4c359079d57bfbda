// SPDX-License-Identifier: MIT
/// \file
/// Layer 3: the CRC guard over the raw REPL (core/helpers/guard.py, defined on the board once
/// per REPL state). With it on, code is sent as `_mt_g(crc, b'...')` and runs only if its
/// CRC-32 arrived intact, so that a flipped bit cannot turn a helper or an `rm` into another
/// program; an answer read without a callback carries a checksum too. What arrived damaged
/// (code, a wrapper damaged into a SyntaxError/NameError, an answer) is sent or asked for again.
/// MpyComm owns one and runs every exchange through it; this class never talks to the board
/// except through the plain exec it was given. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "mpytool/base/error.hpp"
#include "mpytool/link/conn.hpp"

namespace mpytool {

/// The guard of one raw-REPL session (see the file comment).
class MPYTOOL_CORE_API CodeGuard {
 public:
  /// Runs code on the board as it is (the raw REPL's plain exec, without a callback): its
  /// answer is read by the damage-tolerant reader while tolerant() is true.
  using PlainExec = std::function<Bytes(std::string_view code, Seconds timeout)>;
  /// Puts code on the wire (plain exec, raw-paste) and returns its answer.
  using Send = std::function<Bytes(std::string_view wire)>;

  /// A guarded answer whose framing or checksum shows damage on the way back. \p ran: the code
  /// ran (its answer can be asked for again) or the board never took it; \p size: the size of
  /// the damaged answer when it ran.
  struct AnswerDamaged {
    const char* what;
    bool ran = true;
    std::size_t size = 0;
  };

  /// Longest guarded code sent in one piece on a clean link (a noisy one gets 256 B pieces).
  static constexpr std::size_t kPieceClean = 8192;

  /// Guards the exchanges of \p conn (written to directly only to clear a damaged exchange);
  /// \p plain runs the guard's own traffic. \p conn must outlive this object.
  CodeGuard(Conn& conn, PlainExec plain);

  /// On by default for the tool's own code; the user's code (exec, run) turns it off unless
  /// asked (--guard).
  void set_enabled(bool on) noexcept { enabled_ = on; }
  bool enabled() const noexcept { return enabled_; }
  /// Bytes the guard added (wrapper, escaping, its definition) and code it sent again.
  std::int64_t bytes() const noexcept { return bytes_; }
  std::int64_t resends() const noexcept { return resends_; }
  /// True while the current exchange's answer is to be read by the damage-tolerant reader
  /// (the guard's own traffic, and checked answers).
  bool tolerant() const noexcept { return tolerant_; }
  /// True once the link damaged something (until it stayed clean a while): long code goes in
  /// pieces, and raw-paste is not used.
  bool noisy() const noexcept { return piece_ < kPieceClean; }
  /// The board's RAM is new (reset, soft reboot): the guard is defined again before next use.
  void forget() noexcept {
    defined_ = false;
    kept_.clear();
  }

  /// True when the board holds the helper whose source has CRC-32 \p crc from an earlier run
  /// of the tool in this REPL state. The board's registry `_mt_H` (a set of those CRC-32s) is
  /// asked once per connection, before the guard is first needed: a board that still holds the
  /// guard and helpers from an earlier run gets none of them again. False while the guard is
  /// off.
  bool kept(std::uint32_t crc);
  /// The line appended to a helper's definition (source CRC-32 \p crc) that records it in the
  /// board's registry ("" while the guard is off).
  std::string keep(std::uint32_t crc) const;

  /// Runs \p send with the code to put on the wire: \p code itself when the guard is off or
  /// for \p submit_only code (nobody reads whether it ran), else guarded, sent again while it
  /// arrives damaged. With \p check the guard adds a checksum of the answer, checked here.
  /// Throws CmdError (its traceback without the guard's frames) when the code raised, MpyError
  /// when the link keeps damaging it.
  Bytes run(std::string_view code, bool submit_only, bool check, const Send& send);
  /// The guard defined on the board, then \p code wrapped for it (its bytes counted): for a
  /// program started and read by the caller, whose damage shows only at its end.
  std::string wrap_for_start(std::string_view code);

  /// The text sent for \p code with the guard on: `_mt_g(crc, b'...'<args>)`, its CRC-32 and
  /// an escaped bytes literal.
  static std::string wrap(std::string_view code, std::string_view args = {});
  /// \p data as a Python bytes literal, always in single quotes (printable ASCII as it is, \\n,
  /// the rest escaped as \\xNN).
  static std::string bytes_literal(std::string_view data);
  /// True if \p e says guarded code did not run because it arrived damaged (send it again).
  static bool is_failure(const CmdError& e);

  /// Turns the guard off (or on) for one scope.
  class Scope {
   public:
    Scope(CodeGuard& guard, bool on) : guard_(guard), saved_(guard.enabled()) {
      guard.set_enabled(on);
    }
    ~Scope() { guard_.set_enabled(saved_); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    CodeGuard& guard_;
    bool saved_;
  };

 private:
  void define();
  /// Reads the board's registry of kept helpers into kept_ (empty when it has none).
  void ask_kept();
  Bytes send_guarded(std::string_view code, bool check, const Send& send);
  Bytes checked_answer(Bytes out);
  /// The guard's kept copy of the last answer, checked (nullopt: none to be had).
  std::optional<Bytes> answer_again(std::string_view code);
  /// Something guarded arrived damaged: counts it, smaller pieces from now, and clears the way.
  void note_damage(std::string_view what);
  /// Sends guard traffic that is safe to run twice until it arrives intact.
  void send_until_intact(std::string_view wire, std::string_view what);

  Conn& conn_;
  PlainExec plain_;
  bool enabled_ = true;
  bool defined_ = false;
  bool asked_ = false;  ///< the board's registry was asked for
  std::set<std::uint32_t> kept_;
  std::int64_t bytes_ = 0;
  std::int64_t resends_ = 0;
  std::size_t piece_ = kPieceClean;
  int clean_ = 0;          ///< guarded exchanges since the last damage
  bool tolerant_ = false;  ///< this exchange's answer is read by the tolerant reader
};

}  // namespace mpytool
