// SPDX-License-Identifier: MIT
/// \file
/// What the transfer library keeps for one board connection, as a SessionExtension of the Mpy
/// (core board/mpy.hpp) rather than in the core: the transfer settings (the app sets them from
/// the board profile, options.hpp lays the command line over them, every transferring library
/// reads them), the board paths the host serves over the link (the mount plugin's mount
/// points) and what the stream probe found. Settings and host paths survive Mpy::reset_state()
/// and board resets; the probe's result is forgotten by reset_state().
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mpytool/transfer/export.hpp"

namespace mpytool {

class Mpy;

/// How bulk data travels.
enum class TransferPath {
  kAuto,    ///< the streaming agent if the probe (once per connection) passes, else text
  kStream,  ///< the streaming agent; an error if the board or link cannot carry it
  kText,    ///< base64 through raw-REPL exec (the Python mpytool's way), works everywhere
  kWebrepl  ///< files through the WebREPL's own WA/WB protocol (a ws:// link only; files SDK);
            ///< other transfers (flash, OTA) as kAuto
};

/// "auto", "stream", "text" or "webrepl": the spelling of `--transfer` and a profile's
/// `transfer.path`.
MPYTOOL_TRANSFER_API std::string_view transfer_path_name(TransferPath path) noexcept;
/// The path named \p name ("auto", "stream", "text", "webrepl"); nullopt for any other name.
MPYTOOL_TRANSFER_API std::optional<TransferPath> parse_transfer_path(std::string_view name);

/// How bulk transfers (session.hpp) go; every field has an automatic default.
struct TransferSettings {
  /// Which way data travels (`--transfer`, a profile's `transfer.path`).
  TransferPath path = TransferPath::kAuto;
  /// Bytes the host may send beyond what the board is reading (its stdin buffer); nullopt:
  /// 256. Board profiles set `transfer.stdin_buffer` or `transfer.window`.
  std::optional<int> window;
  /// -z / -Z. nullopt: compress what compresses (uploads) and download compressed when the
  /// board can compress; true: always try; false: never.
  std::optional<bool> compress;
  /// -c / transfer.chunk_size: chunk size in bytes (file reads/writes on the board, deflate
  /// sync points, text-path pieces); nullopt: derived from the board's free RAM.
  std::optional<int> chunk_size;
  /// Polled while transferring (Ctrl-C); true stops the transfer cleanly (the board's agent is
  /// released, a temporary file removed) and throws Interrupted.
  std::function<bool()> cancelled;
};

/// The transfer settings of \p mpy's connection (default ones until someone sets them). The
/// reference stays valid until the Mpy's session ends (Mpy::close_session()).
MPYTOOL_TRANSFER_API TransferSettings& transfer_settings(Mpy& mpy);

/// Marks board path \p prefix (a directory) as served by the host over this very link (a
/// mount point). A transfer that takes the link's stdin for its own stream cannot reach such
/// paths: the board's file requests would be read as its data; it uses exec round trips.
MPYTOOL_TRANSFER_API void add_host_path(Mpy& mpy, std::string prefix);
/// Undoes add_host_path().
MPYTOOL_TRANSFER_API void remove_host_path(Mpy& mpy, std::string_view prefix);
/// True if absolute board path \p path is, or is inside, a host path of \p mpy's connection.
MPYTOOL_TRANSFER_API bool is_host_path(const Mpy& mpy, std::string_view path);

/// What the stream probe found on \p mpy's connection since the last Mpy::reset_state(): true
/// the link carries the binary stream, false use the text path, nullopt not probed. Shared by
/// every library that streams (open_stream_session() in session.hpp keeps it).
MPYTOOL_TRANSFER_API std::optional<bool> stream_probe_result(const Mpy& mpy);
/// Records the stream probe's result for \p mpy's connection.
MPYTOOL_TRANSFER_API void set_stream_probe_result(Mpy& mpy, bool stream_ok);

}  // namespace mpytool
