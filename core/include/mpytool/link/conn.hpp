// SPDX-License-Identifier: MIT
/// \file
/// Layer 1: a byte stream to the board with an input buffer, inactivity-timeout reads and an
/// escape-byte hook (used later by the mount plugin to serve VFS requests inside read()).
/// Concrete links are ConnSerial and ConnSocket. Not thread-safe: one thread talks to a Conn.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/base/export.hpp"
#include "mpytool/link/reset_sequence.hpp"

namespace mpytool {

/// Raw bytes. std::string is used as a byte container throughout (data may hold any byte).
using Bytes = std::string;

/// A timeout in seconds; std::nullopt means "wait forever".
using Seconds = std::optional<double>;

/// Most bytes of the board's output held at once for one answer: Conn's input buffer while
/// read_until() waits for its marker, the answer or traceback MpyComm parses (exec, eval, a
/// command's helper), the stream session's unread frames and a program's end. Past it the read
/// throws AnswerTooLarge ("the board's answer exceeded 16 MiB") after Conn::answer_too_large()
/// dropped what was held and sent Ctrl-C. Output streamed as it comes (exec, run, monitor,
/// expect, repl) is never held and has no bound; file contents travel in chunks far below it.
inline constexpr std::size_t kMaxAnswer = 16 * 1024 * 1024;

/// Intercepts the board's output from an escape byte on (see Conn::set_escape_handler).
class BOOST_SYMBOL_VISIBLE EscapeHandler {
 public:
  virtual ~EscapeHandler() = default;
  /// Fed the bytes from the escape byte on. Returns std::nullopt while it needs more data (it
  /// stays active and receives the following bytes); otherwise it is done and returns the
  /// leftover bytes that are not its own (possibly empty), which Conn scans again.
  virtual std::optional<Bytes> feed(std::string_view data) = 0;
};

/// Sees the board's ordinary output (what escape handlers did not take) as it is read, before
/// any caller gets it; e.g. the mount plugin watches for a soft reboot here.
class BOOST_SYMBOL_VISIBLE OutputObserver {
 public:
  virtual ~OutputObserver() = default;
  /// Called with each chunk of output, in order (chunks may split any marker).
  virtual void observe(std::string_view output) = 0;
};

/// Abstract link to a board. Reads go through one buffer; every byte received passes the escape
/// hook first. All waits are *inactivity* timeouts: the clock restarts whenever bytes arrive.
class MPYTOOL_CORE_API Conn {
 public:
  Conn();
  virtual ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  /// Waits up to \p timeout seconds (0 = do not wait) for data and returns what arrived, after
  /// the escape hook; empty when nothing came. Does not return bytes already in the buffer
  /// (use flush() for those). Throws ConnError when the link is lost.
  Bytes read(double timeout = 0);

  /// Reads until \p marker and returns the bytes before it; the marker is consumed, anything
  /// after it stays buffered. Throws Timeout ("During timeout received: ..." or "No data
  /// received") after \p timeout seconds without new bytes, and AnswerTooLarge (through
  /// answer_too_large()) once more than kMaxAnswer bytes came without the marker.
  Bytes read_until(std::string_view marker, Seconds timeout = 1.0);

  /// Reads exactly \p n bytes (inactivity timeout as read_until). Throws Timeout.
  Bytes read_bytes(std::size_t n, Seconds timeout = 1.0);

  /// Returns and clears the input buffer.
  Bytes flush();

  /// For a reader that holds more than kMaxAnswer bytes of the board's output without the end
  /// it waits for: drops the input buffer, sends Ctrl-C (0x03) to stop what the board runs
  /// (not while an escape handler serves a request), calls the overflow handler and throws
  /// AnswerTooLarge.
  [[noreturn]] void answer_too_large();
  /// Called by answer_too_large() before it throws: the board was interrupted, so whoever
  /// tracks its state (MpyComm: the REPL state) forgets it. One handler; empty removes it.
  void set_overflow_handler(std::function<void()> handler) { on_overflow_ = std::move(handler); }

  /// True if bytes are buffered or the link has data within \p timeout seconds.
  bool has_data(double timeout = 0);
  /// Puts \p data back in front of the input: the next read returns it first (`expect` hands
  /// what followed its match to the next command of the chain).
  void unread(std::string_view data) { buffer_.insert(0, data); }

  /// Writes all of \p data (blocking). Throws ConnError when the link is lost, and MpyError
  /// while an escape handler serves a request (busy(): only the handler itself may write then).
  void write(std::string_view data);

  /// File descriptor for poll/select, or -1.
  virtual int fd() const = 0;

  /// Closes the link; further reads and writes throw ConnError "Not connected".
  virtual void close() = 0;

  /// Human-readable link name: "/dev/ttyACM0", "192.168.4.1:23 [ssl]".
  virtual std::string description() const = 0;

  /// Link type for messages: "USB-CDC", "USB-UART", "serial", "socket".
  virtual std::string type_name() const = 0;

  /// True while an escape handler is consuming data.
  bool busy() const noexcept { return active_handler_ != nullptr; }

  /// Pulses RTS to reset the board. Throws ConnError "Hardware reset not supported on <type>".
  virtual void hard_reset();

  /// ESP32 DTR/RTS dance into the ROM bootloader. Throws ConnError when not supported.
  virtual void reset_to_bootloader();

  /// Runs a DTR/RTS sequence (reset_sequence.hpp), e.g. a board profile's `reset.hard`.
  /// Throws ConnError "Hardware reset not supported on <type>" on links without modem lines.
  virtual void run_reset_sequence(const ResetSequence& seq);

  /// Changes the link's baud rate (after the ESP ROM loader's CHANGE_BAUDRATE). Throws
  /// ConnError "cannot change the baud rate of a <type> link" on links without one.
  virtual void set_baud(int baud);
  /// Re-opens the link after a board reset (USB re-enumeration), waiting up to \p timeout
  /// seconds. Throws ConnError "Could not reconnect to P within Ns" or when not supported.
  virtual void reconnect(double timeout = 10);
  /// True when the board drops what overflows its stdin buffer (WebREPL): programs then go
  /// through raw-paste, whose windows the board grants as it reads.
  virtual bool drops_input() const { return false; }

  /// Installs \p handler for output starting with \p escape (nullptr removes it). The handler
  /// must outlive its registration.
  void set_escape_handler(char escape, EscapeHandler* handler);

  /// Adds \p observer for the board's ordinary output (no-op if present). It must outlive its
  /// registration.
  void add_output_observer(OutputObserver* observer);
  /// Removes \p observer (no-op if absent).
  void remove_output_observer(OutputObserver* observer);

 protected:
  /// Waits up to \p timeout seconds until the transport can be read without blocking.
  virtual bool wait_readable(double timeout) = 0;
  /// Reads what is available without blocking (may be empty). Throws ConnError "Connection
  /// closed" on EOF.
  virtual Bytes read_available() = 0;
  /// Writes some of \p data; returns how many bytes were written (0 if it would block).
  virtual std::size_t write_some(std::string_view data) = 0;
  /// Waits until the transport can be written.
  virtual void wait_writable(double timeout);
  /// Drops buffered input (after a reconnect).
  void clear_buffer() { buffer_.clear(); }

 private:
  Bytes process(Bytes data);
  bool fill_buffer(double timeout);

  Bytes buffer_;
  std::function<void()> on_overflow_;
  std::map<char, EscapeHandler*> handlers_;
  EscapeHandler* active_handler_ = nullptr;
  std::vector<OutputObserver*> observers_;
};

}  // namespace mpytool
