// SPDX-License-Identifier: MIT
/// \file
/// What a running command gets from the dispatcher: the board (connected lazily according to
/// the command's Needs), the output channel and the global options.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mpytool/conn_socket.hpp"
#include "mpytool/export.hpp"

namespace mpytool {

class Conn;
class Mpy;
class Output;

/// Global options (reference §1.1), parsed before the first command word.
struct GlobalOptions {
  std::string port;                    ///< -p/--port
  std::string address;                 ///< -a/--address host[:port]
  TlsOptions tls;                      ///< --ssl, --ssl-ca, --ssl-no-hostname, --ssl-no-verify
  int baud = 115200;                   ///< -b/--baud
  int debug = 0;                       ///< -d count
  int verbosity = 1;                   ///< 0 -q, 1 default, 2 -v
  std::vector<std::string> excludes;   ///< -e/--exclude patterns (added to the defaults)
  bool force = false;                  ///< -f/--force
  std::optional<bool> compress;        ///< -z / -Z; nullopt = auto
  std::optional<int> chunk_size;       ///< -c/--chunk-size in bytes
  std::vector<std::string> plugin_dirs;  ///< --plugin-dir
  bool vboard = false;                 ///< --vboard: start a private virtual board
  std::vector<std::string> vboard_args;  ///< --vboard-opt extra arguments for the board
};

/// Provided by the dispatcher to Command::run().
class BOOST_SYMBOL_VISIBLE CommandContext {
 public:
  virtual ~CommandContext() = default;
  /// The board; opens the link (and enters the raw REPL for Needs::kRepl) on first use.
  /// Throws ConnError.
  virtual Mpy& mpy() = 0;
  /// The link; opens it on first use. Throws ConnError.
  virtual Conn& conn() = 0;
  /// Output channel.
  virtual Output& out() = 0;
  /// Global options.
  virtual const GlobalOptions& globals() const = 0;
  /// True if more commands follow this one in the chain (reset's reconnect decision).
  virtual bool more_commands_follow() const = 0;
  /// True if the board has device capability \p cap ("platform.esp32", "module.deflate").
  virtual bool has_capability(const std::string& cap) = 0;
};

}  // namespace mpytool
