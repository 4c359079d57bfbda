// SPDX-License-Identifier: MIT
/// \file
/// The mount protocol's frames (plugins/mount/README.md has the full table). The board's agent
/// sends a request in one piece and blocks until the reply; both carry a CRC-32, so a literal
/// 0x18 in ordinary output, or binary data that happens to hold one, is never served.
///
///     request  (board -> host): 18 9A cmd mid seq len:u16 hc payload crc32(cmd..payload)
///
/// hc checks the header alone (header_check()), so output that merely starts like a request is
/// told apart at once, without waiting for a body that never comes.
///     reply    (host -> board): 18 status flags seq len:u16 payload crc32(status..payload)
///
/// The reply echoes the request's sequence number, so a stale reply can never be taken for the
/// answer to a later request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mpytool/link/conn.hpp"
#include "mpytool/mount/export.hpp"

namespace mpytool::mount {

/// The byte that starts every frame (the Python mpytool's escape byte).
inline constexpr char kEscape = '\x18';
/// Second byte of a request: not printable and not valid UTF-8 after 0x18.
inline constexpr unsigned char kRequestMagic = 0x9A;
/// Bytes before a request's payload: 18 9A cmd mid seq len16 hc.
inline constexpr std::size_t kRequestHeader = 8;
/// Bytes before a reply's payload: 18 status flags seq len16.
inline constexpr std::size_t kReplyHeader = 6;
/// The CRC-32 after each payload.
inline constexpr std::size_t kCrcSize = 4;
/// The largest payload either way (the length field is 16 bits).
inline constexpr std::size_t kMaxPayload = 0xFFFF;

/// Set in a request's cmd byte when the board starts a new inflate stream: the host restarts
/// its compressor before it answers.
inline constexpr std::uint8_t kStreamReset = 0x80;

/// Request commands (the cmd byte without kStreamReset).
enum class Cmd : std::uint8_t {
  kStat = 1,     ///< path -> u16 mode, u32 size, u32 mtime (or the parent's listing, kListing)
  kListdir = 2,  ///< path -> listing entries
  kStatvfs = 3,  ///< (none) -> 10 x u32, os.statvfs() of the mount's root
  kOpen = 4,     ///< "mode\0path" -> u8 fd, u32 size, first block of data
  kClose = 5,    ///< u8 fd -> status
  kRead = 6,     ///< u8 fd, u32 pos, u32 count -> data (kEof when it reaches the end)
  kWrite = 7,    ///< u8 fd, u32 pos, data -> status
  kMkdir = 8,    ///< path -> status
  kRemove = 9,   ///< u8 kind (0 file, 1 directory), path -> status
  kRename = 10,  ///< "old\0new" -> status
};

/// Reply flags.
enum ReplyFlag : std::uint8_t {
  kDeflated = 1,  ///< u16 raw length + the next sync-flushed piece of the session's deflate stream
  kListing = 2,   ///< a kStat answer that carries the whole parent directory's listing
  kEof = 4,       ///< data reaches the end of the file (kOpen: the host closed it already)
};

/// The fd of a kOpen reply whose file was delivered whole and closed on the host.
inline constexpr std::uint8_t kNoFd = 0xFF;

/// One request from the board.
struct Request {
  std::uint8_t cmd = 0;  ///< a Cmd, possibly with kStreamReset
  std::uint8_t mid = 0;  ///< the mount it is for
  Bytes payload;
  std::uint8_t seq = 0;  ///< echoed in the reply
};

/// One answer to the board.
struct Reply {
  std::uint8_t status = 0;  ///< 0, or an errno value (MicroPython's numbers are Linux's)
  std::uint8_t flags = 0;   ///< ReplyFlag bits
  Bytes payload;
};

/// What parse_request() found at the start of a buffer that begins with kEscape.
/// The reply status to a damaged request (EILSEQ): the agent sends the request again.
inline constexpr std::uint8_t kDamagedStatus = 84;

struct Parsed {
  /// kNeedMore: \p need bytes must be there to decide; kNotRequest: ordinary output;
  /// kRequest: \p request, \p size bytes long; kDamaged: a request (its header checks out)
  /// whose CRC does not, \p size bytes long: refused with kDamagedStatus, never served (the
  /// agent asks again), \p request holds its seq only.
  enum class State { kNeedMore, kNotRequest, kRequest, kDamaged } state = State::kNotRequest;
  std::size_t need = 0;
  std::size_t size = 0;
  Request request;
};

/// CRC-32 (zlib's, as MicroPython's binascii.crc32) of \p data continuing from \p crc.
MPYTOOL_MOUNT_API std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0);

/// The header check byte of a request: (cmd + mid + seq + len_lo + len_hi) ^ 0xA5, mod 256.
MPYTOOL_MOUNT_API std::uint8_t header_check(std::string_view cmd_to_len);

/// Looks for a request at the start of \p data. Never reads past it; the longest buffer it
/// asks for is kRequestHeader + kMaxPayload + kCrcSize.
MPYTOOL_MOUNT_API Parsed parse_request(std::string_view data);

/// The bytes of \p request as the agent sends them (tests, and fakes of the board).
MPYTOOL_MOUNT_API Bytes encode_request(const Request& request);

/// The bytes of \p reply to the request numbered \p seq. The payload must fit kMaxPayload.
MPYTOOL_MOUNT_API Bytes encode_reply(const Reply& reply, std::uint8_t seq);

/// Little-endian helpers for payloads.
MPYTOOL_MOUNT_API void put_u16(Bytes& out, std::uint16_t v);
MPYTOOL_MOUNT_API void put_u32(Bytes& out, std::uint32_t v);
MPYTOOL_MOUNT_API std::uint32_t get_u32(std::string_view data, std::size_t at);

}  // namespace mpytool::mount
