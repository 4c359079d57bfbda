// SPDX-License-Identifier: MIT
/// \file
/// The board's own network REPL, WebREPL (MicroPython's modwebrepl), as a Conn: a WebSocket
/// client (Boost.Beast over Asio, OpenSSL for wss://) that logs in with the password and hands
/// the core a clean REPL. Text frames carry the REPL both ways (their payload is raw bytes: the
/// board's text frames need not be UTF-8); binary frames carry the board's WA/WB file protocol
/// (BinaryChannel). A soft reset closes the board's session: the link logs in again by itself.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "mpytool/link/conn.hpp"
#include "mpytool/link/conn_socket.hpp"
#include "mpytool/links/binary_channel.hpp"
#include "mpytool/links/export.hpp"

namespace mpytool::links {

/// How to reach and log in to a WebREPL.
struct MPYTOOL_LINKS_API WebreplOptions {
  std::string password;  ///< sent once per session, never logged
  TlsOptions tls;        ///< wss://: verification as --ssl (enabled is implied by the scheme)
  double timeout = 5.0;  ///< connect, handshake and login limit, seconds
  /// Told what the user may want to know (the app shows it at -v): "WebREPL session closed by
  /// a soft reset: reconnected". Unset: the message goes to the log at info level.
  std::function<void(const std::string&)> notice;
  /// Asked while the link waits for the board: true when the user pressed Ctrl-C and the board
  /// should get a Ctrl-C (0x03), which the link then sends as a text frame of its own. (A
  /// signal handler cannot write a byte to a WebSocket as it can to a serial port.)
  std::function<bool()> interrupt_requested;
};

/// True when \p text is a `ws://` or `wss://` URL (any case).
MPYTOOL_LINKS_API bool is_webrepl_url(std::string_view text);

/// A WebREPL session. Writes go out as text frames of at most kReplFrame bytes (the board's
/// stdin ring holds 256-512 bytes and drops overflow; the core's raw-paste flow control keeps
/// within it). No pings, no fragmentation, every frame under 64 KiB.
class MPYTOOL_LINKS_API ConnWebrepl : public Conn, public BinaryChannel {
 public:
  /// Most bytes of one REPL text frame the link sends.
  static constexpr std::size_t kReplFrame = 256;
  /// Port when the URL names none.
  static constexpr unsigned short kDefaultPort = 8266;

  /// Connects to \p url (`ws://HOST[:PORT][/PATH]`, `wss://...`) and logs in. Throws UsageError
  /// for a malformed URL, ConnError "webrepl at H:P: access denied (wrong password)", "webrepl
  /// at H:P refused: another client is connected (WebREPL takes one)", "H:P is not a WebREPL
  /// endpoint (it served a web page; is webrepl started?)", "Cannot connect to H:P: ...",
  /// "SSL error: ...".
  ConnWebrepl(const std::string& url, WebreplOptions options);
  ~ConnWebrepl() override;

  int fd() const override;
  /// Sends a close frame and drops the TCP connection without waiting for the board's answer.
  void close() override;
  /// "ws://host:port".
  std::string description() const override;
  /// "WebREPL".
  std::string type_name() const override { return "WebREPL"; }
  /// The board's dupterm drops what overflows its stdin ring (256-512 bytes).
  bool drops_input() const override { return true; }
  /// Connects and logs in again until it works or \p timeout seconds pass. Throws ConnError
  /// "Could not reconnect to ws://h:p within Ns: ...".
  void reconnect(double timeout = 10) override;

  void send_binary(std::string_view frame) override;
  /// Throws Timeout "no binary frame from the board within Ns" and what reads throw.
  std::string read_binary(double timeout) override;

  /// How many times the board's soft reset closed the session and the link logged in again.
  int relogins() const noexcept;

 protected:
  bool wait_readable(double timeout) override;
  Bytes read_available() override;
  /// Sends up to kReplFrame bytes of \p data as one text frame (blocking).
  std::size_t write_some(std::string_view data) override;
  void wait_writable(double timeout) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpytool::links
