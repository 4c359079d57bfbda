// SPDX-License-Identifier: MIT
/// \file
/// Layer 3: the raw-REPL protocol. Gets the board into a known state from anything (idle
/// friendly REPL, a running program, a stuck helper), runs code with or without raw-paste, soft
/// resets and follows output. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mpytool/base/error.hpp"
#include "mpytool/link/conn.hpp"
#include "mpytool/repl/guard.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool {

/// Receives board output chunks as they arrive (raw bytes, possibly split inside a UTF-8
/// sequence).
using OutputCallback = std::function<void(std::string_view chunk)>;

/// The raw-REPL state machine over a Conn. Timeouts: std::nullopt waits forever, 0 submits the
/// code and returns at once without reading its output (fire and forget), a positive value is
/// seconds of board silence tolerated (streaming modes: total run time).
///
/// Memory: output streamed to an OutputCallback is handed on as it comes and not kept. What is
/// held to be parsed (an answer read without a callback, a traceback, a banner or prompt
/// awaited) is bounded by kMaxAnswer (conn.hpp): past it any call throws AnswerTooLarge, the
/// board was sent Ctrl-C and the REPL state is forgotten (the next call probes).
class MPYTOOL_CORE_API MpyComm {
 public:
  /// Uses \p conn, which must outlive this object.
  explicit MpyComm(Conn& conn);
  ~MpyComm();

  /// The underlying link.
  Conn& conn() noexcept { return conn_; }

  /// Brings the board to the friendly REPL prompt: up to 15 probes of Ctrl-C / Ctrl-C / Ctrl-B,
  /// from the 5th on also a 0x18 byte that releases a stale mount agent, and bursts of Ctrl-C
  /// that release a transfer agent left by a vanished host — at once when the board went on
  /// sending after a Ctrl-C (an agent streaming a download), else after C, C, B. Returns false
  /// (and logs a warning) if the board never answered. No-op when the state is already known.
  bool stop_current_operation();

  /// Enters the raw REPL (no-op if already there). Throws ConnError "no MicroPython REPL answers
  /// on <port>" after \p max_retries failed recoveries, or at once when nothing answered a probe.
  void enter_raw_repl(int max_retries = 3);

  /// Leaves the raw REPL (Ctrl-B) if in it.
  void exit_raw_repl();

  /// Forgets the known REPL state and the raw-paste support flag (after a reset).
  void reset_state();

  /// Runs \p code in the raw REPL and returns its stdout. Throws CmdError when the board
  /// raised, Timeout on silence.
  Bytes exec(std::string_view code, Seconds timeout = std::nullopt);

  /// Runs \p code, streaming its stdout to \p out as it arrives (not kept: a CmdError's
  /// result() holds only the last 4 KiB of it); \p timeout is the total run time ("Execution
  /// timeout"). Throws CmdError / Timeout.
  void exec(std::string_view code, Seconds timeout, const OutputCallback& out);

  /// Runs `print(expr)` and parses the printed literal. Throws CmdError / Timeout / MpyError.
  PyValue exec_eval(std::string_view expr, Seconds timeout = 5.0);

  /// Runs \p code through raw-paste mode (window flow control). Throws MpyError "Raw-paste mode
  /// not supported by device" when the board answers R\x00 or does not know raw-paste.
  Bytes exec_raw_paste(std::string_view code, Seconds timeout = 5.0,
                       const OutputCallback* out = nullptr);

  /// Raw-paste if the board supports it, plain exec otherwise; the answer is probed once and
  /// cached until reset_state(). Works on boards that answer R\x00 and on old boards that do not
  /// answer at all.
  Bytes try_raw_paste(std::string_view code, Seconds timeout = 5.0,
                      const OutputCallback* out = nullptr);

  /// Starts \p code in the raw REPL and returns once the board accepted it ("OK"): the program
  /// now runs and the caller talks to it directly over conn() (an agent reading stdin). End
  /// with finish_program() or abandon_program().
  void start_program(std::string_view code, Seconds timeout = 5.0);

  /// Reads the end of a program started with start_program(): its remaining stdout up to
  /// \x04 (already consumed by the caller when \p stdout_ended), then the traceback up to
  /// \x04>. Returns the stdout read here. Throws CmdError with the board's traceback, Timeout.
  Bytes finish_program(std::string_view code, Seconds timeout, bool stdout_ended = false);

  /// Gives up on a started program (link trouble, protocol error): the REPL state becomes
  /// unknown, so the next command runs the recovery (which also releases a stuck agent).
  void abandon_program() noexcept;

  /// Friendly soft reset (Ctrl-D at `>>>`): boot.py and main.py run. State becomes unknown.
  void soft_reset();

  /// Soft reset inside the raw REPL: RAM cleared, boot.py/main.py skipped, stays in raw REPL.
  void soft_reset_raw();

  /// Sends Ctrl-C once (interrupting a running program) and forgets the state.
  void interrupt();

  /// Leaves the raw REPL and streams board output to \p out. Without \p follow it returns once
  /// the friendly prompt `\r\n>>> ` appears; with it, until \p keep_going returns false (also
  /// checked without \p follow, every 0.1 s at most). After a submit-only exec (timeout 0) the
  /// program still runs inside the raw REPL: its end is framed `stdout \x04 traceback \x04>`
  /// instead of a prompt. The framing bytes are dropped, stdout and traceback are streamed, and
  /// that end also ends a monitor without \p follow (the state becomes "raw REPL").
  void monitor(const OutputCallback& out, bool follow = false,
               const std::function<bool()>& keep_going = {});

  /// Known REPL state: nullopt unknown, false friendly, true raw.
  std::optional<bool> repl_mode() const noexcept { return repl_mode_; }
  /// Raw-paste support: nullopt not probed yet.
  std::optional<bool> raw_paste_supported() const noexcept { return raw_paste_; }
  /// Programs submitted so far (exec, raw-paste, start_program): each is one round trip.
  std::int64_t exchanges() const noexcept { return exchanges_; }
  /// True after a submit-only exec (timeout 0) until the state is known again: a program may
  /// still be running on the board.
  bool program_submitted() const noexcept { return submitted_; }
  /// Called when a program ended with a soft reboot (SystemExit, machine.soft_reset()): the
  /// board's RAM is new (Mpy forgets its caches here).
  void set_soft_reboot_handler(std::function<void()> handler) {
    on_soft_reboot_ = std::move(handler);
  }
  /// Forces the raw-paste decision (e.g. from a board profile); nullopt re-enables probing.
  void set_raw_paste_supported(std::optional<bool> v) noexcept { raw_paste_ = v; }

  /// The CRC guard every exchange goes through (on by default for the tool's own code; see
  /// guard.hpp).
  CodeGuard& guard() noexcept { return guard_; }
  const CodeGuard& guard() const noexcept { return guard_; }

 private:
  Bytes plain_exec(std::string_view code, Seconds timeout, const OutputCallback* out);
  Bytes after_submit(std::string_view code, Seconds timeout, const OutputCallback* out);
  Bytes finish_exec(std::string_view code, Seconds timeout, const OutputCallback* out);
  void start_plain(std::string_view code, Seconds timeout);
  Bytes paste(std::string_view code, Seconds timeout, const OutputCallback* out);
  void paste_code(std::string_view code, Seconds timeout);
  void submit(std::string_view code, Seconds timeout);
  /// Reads an answer to guarded code on a link that may damage bytes (throws
  /// CodeGuard::AnswerDamaged).
  Bytes read_answer(std::string_view code, Seconds timeout);
  /// The board rebooted under a command: forgets its state, throws BoardReset.
  [[noreturn]] void chip_reset();
  void board_rebooted();

  Conn& conn_;
  std::optional<bool> repl_mode_;
  std::optional<bool> raw_paste_;
  /// True after a submit-only exec until the state is known again: the board runs the program
  /// inside the raw REPL although repl_mode_ says "friendly" (the Python mpytool's bookkeeping).
  bool submitted_ = false;
  std::int64_t exchanges_ = 0;
  std::function<void()> on_soft_reboot_;
  CodeGuard guard_;
};

/// True if \p text holds what a board prints when it boots: MicroPython's banner, the ESP32
/// ROM's lines (the RP2 bootrom prints nothing; the banner comes).
MPYTOOL_CORE_API bool looks_like_boot(std::string_view text);

}  // namespace mpytool
