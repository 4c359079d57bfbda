// SPDX-License-Identifier: MIT
/// \file
/// The binary side of a link that carries messages of two kinds, REPL text and binary data,
/// apart: a WebREPL session (ConnWebrepl), whose binary WebSocket messages carry the board's
/// WA/WB file protocol while its text messages carry the REPL. WebreplFiles speaks the file
/// protocol over this interface; a caller finds it with dynamic_cast on the Conn.
#pragma once

#include <string>
#include <string_view>

#include "mpytool/links/export.hpp"

namespace mpytool::links {

/// A channel of whole binary messages, kept apart from the link's REPL text.
class MPYTOOL_LINKS_API BinaryChannel {
 public:
  virtual ~BinaryChannel();
  /// Sends \p frame as one binary message (the caller keeps each under 64 KiB: a WebREPL board
  /// closes the connection on a longer frame). Throws ConnError when the link is gone.
  virtual void send_binary(std::string_view frame) = 0;
  /// The next binary message received, in order, waiting at most \p timeout seconds. Throws
  /// Timeout when none arrives in time, ConnError (ConnLost) when the link closes first.
  virtual std::string read_binary(double timeout) = 0;
};

}  // namespace mpytool::links
