// SPDX-License-Identifier: MIT
// What the fs plugin's commands share (header-only, plugin-internal): Files set up from the global
// options, the Python mpytool's `_verbose_path` header and JSON text for the --json outputs.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/fs/files.hpp"
#include "mpytool/fs/paths.hpp"
#include "mpytool/fs/progress.hpp"
#include "mpytool/plugin/command.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/profile/board_profile.hpp"
#include "mpytool/transfer/options.hpp"

namespace mpytool::fs {

/// The fs view of transfer settings.
inline TransferOptions to_transfer_options(const TransferSettings& ts) {
  TransferOptions o;
  o.chunk_size = ts.chunk_size;
  o.compress = ts.compress;
  o.window = ts.window;
  o.mode = ts.path == "stream" ? TransferMode::kStream
           : ts.path == "text" ? TransferMode::kText
                               : TransferMode::kAuto;
  return o;
}

/// Transfer settings from the global options alone (-c, -z/-Z, --transfer).
inline TransferOptions transfer_options(const GlobalOptions& g) {
  return to_transfer_options(apply_transfer_options({}, g.plugin_options));
}

/// Transfer settings for a command: the connection's (Mpy::transfer_settings(): the board
/// profile's `transfer` keys, set by the app; the profile is resolved first) with the global
/// options over them, and Ctrl-C.
inline TransferOptions transfer_options(CommandContext& ctx) {
  use_transfer_options(ctx);
  TransferOptions o = to_transfer_options(ctx.mpy().transfer_settings());
  o.cancelled = [&ctx] { return ctx.interrupted(); };
  return o;
}

/// The optional device-path argument of ls and tree: "" (the CWD) when absent, trailing '/'
/// dropped (except for ":/"). Throws UsageError without the ':' prefix.
inline std::string optional_remote_arg(std::string_view cmd, const ParsedArgs& args) {
  if (args.positionals().empty()) return {};
  return strip_trailing_slash(require_remote(cmd, args.positionals().front()));
}

/// Prints the Python mpytool's `_verbose_path` header at verbosity 1: "LS: /lib" for an absolute
/// path, "LS: <cwd>" for "" or ".", "LS: <cwd>/<path>" otherwise (without the Python mpytool's
/// "//lib" when the CWD is "/"). The CWD is asked for only when the header is shown and needs it.
inline void verbose_path(CommandContext& ctx, std::string_view cmd, std::string_view path) {
  if (ctx.out().verbosity() < 1) return;
  std::string shown;
  if (!path.empty() && path.front() == '/') {
    shown = path;
  } else {
    std::string cwd = ctx.mpy().getcwd();
    shown = path.empty() || path == "." ? cwd : join_remote(cwd.empty() ? "/" : cwd, path);
  }
  ctx.out().verbose(1, fmt::format("{}: {}", cmd, shown));
}

/// The `--json` flag of the listing commands.
inline OptionSpec json_option() {
  return {"json", 0, OptionSpec::Kind::kFlag, "", "print machine-readable JSON to stdout", {}};
}

/// A JSON string literal of UTF-8 \p text (progress.hpp's json_quote()).
inline std::string json_string(std::string_view text) { return json_quote(text); }

}  // namespace mpytool::fs
