// SPDX-License-Identifier: MIT
/// \file
/// The global options of the plugins that move data through the stream SDK (fs, flash, OTA):
/// `-z/--compress`, `-Z/--no-compress`, `-c/--chunk-size SIZE`, `--transfer auto|stream|text|webrepl`.
/// Each such plugin declares them (CommandRegistry::add_global_option) and applies them over
/// the connection's transfer settings (settings.hpp), which the board profile set:
/// \code
///   for (auto& o : transfer_global_options()) registry.add_global_option(o);   // register
///   TransferSettings ts = use_transfer_options(ctx);           // in run(), before transferring
/// \endcode
#pragma once

#include <vector>

#include "mpytool/plugin/command.hpp"
#include "mpytool/transfer/export.hpp"
#include "mpytool/transfer/settings.hpp"

namespace mpytool {

class CommandContext;

/// The specs of -z, -Z, -c and --transfer.
MPYTOOL_TRANSFER_API std::vector<OptionSpec> transfer_global_options();

/// \p ts with the command line's transfer options (\p globals: PluginOptions::plugin_options)
/// laid over it: -Z wins over -z, -c is parsed with parse_chunk_size(), --transfer sets the
/// path. Throws UsageError for a bad -c value.
MPYTOOL_TRANSFER_API TransferSettings apply_transfer_options(TransferSettings ts,
                                                             const ParsedArgs& globals);

/// The one way a command gets its transfer settings: applies the command line's transfer
/// options to the board connection's settings (transfer_settings(ctx.mpy())), after the board
/// profile's (resolving the profile first: one platform query when none is known yet), and
/// returns a copy of them whose `cancelled` is the command's Ctrl-C (ctx.interrupted()).
MPYTOOL_TRANSFER_API TransferSettings use_transfer_options(CommandContext& ctx);

}  // namespace mpytool
