// SPDX-License-Identifier: MIT
/// \file
/// A serial port on a remote RFC 2217 server (ser2net, esp_rfc2217_server, pyserial's
/// rfc2217_server.py) as a Conn: telnet with the COM-PORT-OPTION (44). Data bytes 0xFF travel
/// doubled; the server's telnet commands and subnegotiations (acknowledgements, modem and line
/// state, flow control) never reach the input buffer, even when a read splits them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "mpytool/link/conn.hpp"
#include "mpytool/links/export.hpp"
#include "mpytool/links/link_url.hpp"

namespace mpytool::links {

/// The options of an `rfc2217://HOST:PORT?...` URL.
struct MPYTOOL_LINKS_API Rfc2217Options {
  /// `ign_set_control`: do not wait for SET-CONTROL acknowledgements (servers such as
  /// esp_rfc2217_server never send them); DTR/RTS changes are sent and not waited for.
  bool ign_set_control = false;
  /// `timeout=SEC`: how long the negotiation and each acknowledged setting may take.
  double timeout = 3.0;

  /// The options of \p url. Throws UsageError "unknown option 'x' in 'rfc2217://h:p?x' (known:
  /// ign_set_control, timeout=SEC)" (every unknown one named), or for a bad value.
  static Rfc2217Options from_url(const LinkUrl& url);
};

/// An RFC 2217 remote serial port. Opening connects, negotiates COM-PORT-OPTION and sets the
/// baud rate and 8N1, waiting for the server's acknowledgements; it leaves DTR and RTS as the
/// server has them (touching them could reset a board). Not thread-safe, as every Conn.
class MPYTOOL_LINKS_API ConnRfc2217 : public Conn {
 public:
  /// Opens \p url (scheme rfc2217) at \p baud. Throws UsageError for a bad option; ConnError
  /// "cannot open 'rfc2217://h:p': connection refused" (the reason as the system says it),
  /// "cannot open 'rfc2217://h:p': no RFC 2217 server answered within 3s", "... the server
  /// refused COM-PORT-OPTION", and the baud error of set_baud().
  ConnRfc2217(const LinkUrl& url, int baud = 115200);
  /// The same from the URL's text.
  explicit ConnRfc2217(const std::string& url, int baud = 115200);
  ~ConnRfc2217() override;

  int fd() const override;
  void close() override;
  /// "rfc2217://host:port".
  std::string description() const override;
  /// "RFC 2217".
  std::string type_name() const override { return "RFC 2217"; }

  /// SET-BAUDRATE, then waits up to 2 s (or the URL's timeout if longer) for the server's
  /// acknowledgement. Throws ConnError "the serial server refused 460800 baud (the port stays at
  /// 115200)" when it acknowledges another rate (which baud() then reports), and "the serial
  /// server did not acknowledge 460800 baud within 2s" when it stays silent.
  void set_baud(int baud) override;
  /// The baud rate the server acknowledged last.
  int baud() const noexcept;

  /// SET-CONTROL DTR on (8) / off (9); waits for the acknowledgement unless `ign_set_control`.
  /// Throws ConnError "the serial server did not acknowledge DTR on within 3s" (with a hint to
  /// add ?ign_set_control) or when it acknowledges another value.
  void set_dtr(bool on);
  /// SET-CONTROL RTS on (11) / off (12), as set_dtr().
  void set_rts(bool on);

  /// Runs \p seq: the line changes between two waits go out in one socket write, back to back,
  /// without waiting for any acknowledgement (waiting stretches DTR=RTS=on and breaks the ESP32
  /// reset, esptool#383); `U<dtr>,<rts>` is DTR then RTS in the same write; `W` sleeps. The
  /// acknowledgements that come later are consumed silently.
  void run_reset_sequence(const ResetSequence& seq) override;
  /// `D0|R1|W0.1|R0` (rts_reset_sequence()): the EN pulse through the auto-reset circuit.
  void hard_reset() override;
  /// `D0|R1|W0.1|D1|R0|W0.05|D0` (bootloader_reset_sequence()): into the ESP ROM download mode.
  void reset_to_bootloader() override;

  /// PURGE-DATA 3 (the server's receive and transmit buffers), waits for its acknowledgement and
  /// drops what arrived before it, and the input buffer. Throws ConnError on silence.
  void purge();

  /// Connects again and renegotiates (the server, or its port, may vanish and come back) until
  /// it works or \p timeout seconds pass; the baud rate is set again. Throws ConnError "Could not
  /// reconnect to rfc2217://h:p within Ns: <last error>".
  void reconnect(double timeout = 10) override;

  /// The last NOTIFY-MODEMSTATE value (CD 0x80, RI 0x40, DSR 0x20, CTS 0x10), if one came.
  std::optional<std::uint8_t> modem_state() const noexcept;
  /// The last NOTIFY-LINESTATE value, if one came.
  std::optional<std::uint8_t> line_state() const noexcept;
  /// True between the server's FLOWCONTROL-SUSPEND and FLOWCONTROL-RESUME (recorded, not
  /// honoured: the server buffers).
  bool flow_suspended() const noexcept;
  /// The URL's options.
  const Rfc2217Options& options() const noexcept;
  /// Host and port of the server.
  const std::string& host() const noexcept;
  unsigned short port() const noexcept;

 protected:
  bool wait_readable(double timeout) override;
  Bytes read_available() override;
  /// Sends \p data with 0xFF doubled (blocking until sent); returns how much of it was taken.
  std::size_t write_some(std::string_view data) override;
  void wait_writable(double timeout) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpytool::links
