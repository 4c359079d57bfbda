// SPDX-License-Identifier: MIT
/// \file
/// Serving mount requests inside Conn reads (docs/compatibility.md, "Mount", with the Python
/// mpytool's bugs fixed): an EscapeHandler for 0x18 that takes one whole request per call, reading
/// the rest of it through the Conn *unscanned* (a 24-byte path has the length 18 00), writes the
/// reply, and hands anything that is not an intact request back as ordinary output at once or after
/// a short wait, never 30 s. The Conn is busy only while a request is being served.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "mpytool/link/conn.hpp"
#include "mpytool/mount/export.hpp"
#include "mpytool/mount/protocol.hpp"

namespace mpytool::mount {

/// Counters of what a VfsLink served.
struct LinkStats {
  std::uint64_t requests = 0;    ///< requests answered
  std::uint64_t bytes_in = 0;    ///< request bytes from the board
  std::uint64_t bytes_out = 0;   ///< reply bytes to the board
  std::uint64_t compressed = 0;  ///< replies sent deflated
  std::uint64_t declined = 0;    ///< 0x18 bytes that turned out to be ordinary output
};

/// The escape handler. Install it with Conn::set_escape_handler(kEscape, &link).
class MPYTOOL_MOUNT_API VfsLink final : public EscapeHandler {
 public:
  /// Answers one request.
  using Serve = std::function<Reply(const Request&)>;

  /// Serves requests arriving on \p conn (which must outlive it) with \p serve.
  VfsLink(Conn& conn, Serve serve) : conn_(conn), serve_(std::move(serve)) {}

  std::optional<Bytes> feed(std::string_view data) override;

  /// What was served so far.
  const LinkStats& stats() const noexcept { return stats_; }

  /// A lone 0x18 at the end of a read: how long the rest of a request may take to follow.
  static constexpr double kMagicWait = 0.25;
  /// After a request header: the longest silence inside the rest of it.
  static constexpr double kBodyWait = 2.0;

 private:
  Conn& conn_;
  Serve serve_;
  LinkStats stats_;
};

}  // namespace mpytool::mount
