// SPDX-License-Identifier: MIT
// What the fs plugin's commands share (header-only, plugin-internal): the Python mpytool's
// `_verbose_path` header and JSON text for the --json outputs; transfer settings come from
// use_transfer_options().
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/files/files.hpp"
#include "mpytool/fs/paths.hpp"
#include "mpytool/fs/progress.hpp"
#include "mpytool/plugin/command.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/profile/board_profile.hpp"
#include "mpytool/transfer/options.hpp"

namespace mpytool::fs {

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
