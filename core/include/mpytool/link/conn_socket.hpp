// SPDX-License-Identifier: MIT
/// \file
/// Layer 2: a TCP link to a raw REPL bridge (telnet-less), optionally over TLS (>= 1.2), built on
/// Boost.Asio and OpenSSL.
#pragma once

#include <memory>
#include <string>

#include "mpytool/link/conn.hpp"

namespace mpytool {

/// TLS settings. Verification of the chain and of the host name are on unless switched off.
struct TlsOptions {
  bool enabled = false;        ///< --ssl (implied by each option below)
  std::string ca_file;         ///< --ssl-ca FILE: trusted in addition to the system store
  bool verify = true;          ///< false with --ssl-no-verify (no chain, no host name check)
  bool check_hostname = true;  ///< false with --ssl-no-hostname (chain still verified)
};

/// A TCP (or TLS) connection. Address is "host[:port]" or "[v6addr]:port"; port 23 by default.
/// TCP_NODELAY is set.
class MPYTOOL_CORE_API ConnSocket : public Conn {
 public:
  /// Connects within 5 s. Throws ConnError "Timeout connecting to H:P", "Cannot connect to H:P:
  /// <reason>" or "SSL error: <reason>".
  explicit ConnSocket(const std::string& address, TlsOptions tls = {});
  ~ConnSocket() override;

  int fd() const override;
  void close() override;
  std::string description() const override;
  std::string type_name() const override { return "socket"; }
  /// Dials the same address again (after a board reset dropped the session) until it answers
  /// or \p timeout seconds pass. Throws ConnError "Could not reconnect to H:P within Ns: ...".
  void reconnect(double timeout = 10) override;

  /// Host part of the address.
  const std::string& host() const noexcept;
  /// Port number.
  unsigned short port() const noexcept;

 protected:
  bool wait_readable(double timeout) override;
  Bytes read_available() override;
  std::size_t write_some(std::string_view data) override;
  void wait_writable(double timeout) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Splits "host[:port]" / "[v6]:port" into host and port (default 23). Throws UsageError.
MPYTOOL_CORE_API std::pair<std::string, unsigned short> parse_address(
    const std::string& address, unsigned short default_port = 23);

}  // namespace mpytool
