// SPDX-License-Identifier: MIT
/// \file
/// The host side of the WebREPL's own file protocol (WA/WB, MicroPython's extmod/modwebrepl.c)
/// over the binary messages of a WebREPL session (BinaryChannel): PUT, GET and GET_VER.
///
/// The protocol as the board implements it: an 82-byte little-endian request `"WA"`, type
/// (1 PUT, 2 GET, 3 GET_VER), flags 0, offset (u64, ignored by the board), size (u32), name
/// length (u16, ignored), name (64 bytes read as a C string); answers `"WB"` + u16 code (always
/// 0). PUT: WB after the open, then exactly `size` bytes in any binary frames (no acks), WB after
/// the close. GET: WB after the open, then per request byte one frame `u16 n` + n <= 256 bytes,
/// n = 0 ends it, then WB. GET_VER: 3 bytes, no WB.
///
/// What the board does not report, and what a caller must therefore do:
/// - A failed open (missing file or directory, a directory) raises inside the board's dupterm
///   read: no answer, the board closes the whole WebREPL session. Check that the file (GET) or
///   its directory (PUT) exists over the REPL first.
/// - A write error (a full filesystem) is not reported: the file is truncated and both WBs
///   come. A PUT also loses a byte when one of the board's 512-byte passes starts at the last
///   byte it has received (1.27's modwebrepl.c): the file is a byte short and WB 0 comes all the
///   same. So a PUT's "success" proves nothing: verify the size and a hash over the REPL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "mpytool/links/binary_channel.hpp"
#include "mpytool/links/export.hpp"

namespace mpytool::links {

/// Speaks WA/WB over a BinaryChannel. Not thread-safe; one operation at a time per session.
class MPYTOOL_LINKS_API WebreplFiles {
 public:
  /// The longest name the board takes: 64 bytes with the C string's NUL.
  static constexpr std::size_t kMaxName = 63;
  /// Sizes travel as u32: files must be smaller than 4 GiB.
  static constexpr std::uint64_t kMaxSize = 0xFFFFFFFFull;
  /// PUT data goes in binary frames of this many bytes (as webrepl_cli.py and webrepl.js send).
  static constexpr std::size_t kPutFrame = 1024;
  /// The board's GET answers carry at most this many bytes.
  static constexpr std::size_t kGetChunk = 256;

  struct Options {
    /// Seconds to wait for each answer of the board.
    double timeout = 10.0;
    /// The slowest rate (bytes/s) at which a board is expected to store a PUT: the wait for the
    /// final WB grows by size / min_rate, since the data may still be queued on its way.
    double min_rate = 4096.0;
  };

  /// The board's MicroPython version as GET_VER reports it.
  struct Version {
    int major = 0, minor = 0, micro = 0;
  };

  /// Progress: bytes done so far and the total.
  using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

  explicit WebreplFiles(BinaryChannel& channel);
  WebreplFiles(BinaryChannel& channel, Options options);

  /// Checks \p name for the protocol: UsageError "the name 'x' is too long for the WebREPL file
  /// protocol (70 bytes, at most 63)", "... holds a NUL byte", "... is empty".
  static void check_name(std::string_view name);
  /// Checks \p size: UsageError "'x' is too large for the WebREPL file protocol (4294967296
  /// bytes, less than 4 GiB)".
  static void check_size(std::string_view name, std::uint64_t size);
  /// The 82-byte request for \p type (1 PUT, 2 GET, 3 GET_VER).
  static std::string request(int type, std::string_view name, std::uint32_t size);

  /// GET_VER. Throws DeviceError on an answer that is not 3 bytes, Timeout, ConnLost.
  Version version();

  /// PUT \p data to \p name (relative to the board's cwd, or absolute). Frames of kPutFrame
  /// bytes; \p progress after each. Returning proves only that the board counted the bytes:
  /// verify the file. Throws UsageError (limits), DeviceError "unexpected answer ...", Timeout
  /// "the board did not confirm ..." (the session's file protocol is then out of step:
  /// reconnect), ConnLost "the board closed the WebREPL session on PUT of 'x' (it could not open
  /// it: a missing directory?)".
  void put(std::string_view name, std::string_view data, const Progress& progress = {});

  /// GET \p name: stop and wait, one request byte per answer of up to 256 bytes. Throws as
  /// put(); ConnLost "... on GET of 'x' (it could not open it: no such file?)".
  std::string get(std::string_view name, const Progress& progress = {});

 private:
  void expect_wb(std::string_view what, std::string_view name, double timeout);
  std::string read(std::string_view what, std::string_view name, double timeout);

  BinaryChannel& channel_;
  Options options_;
};

}  // namespace mpytool::links
