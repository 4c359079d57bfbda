// SPDX-License-Identifier: MIT
/// \file
/// The global options of the plugins that move data through the stream SDK (fs, flash, OTA):
/// `-z/--compress`, `-Z/--no-compress`, `-c/--chunk-size SIZE`, `--transfer auto|stream|text`.
/// Each such plugin declares them (CommandRegistry::add_global_option) and applies them over
/// the connection's transfer settings, which the board profile set:
/// \code
///   for (auto& o : transfer_global_options()) registry.add_global_option(o);   // register
///   use_transfer_options(ctx);                                 // in run(), before transferring
/// \endcode
#pragma once

#include <vector>

#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/command.hpp"
#include "mpytool/transfer/export.hpp"

namespace mpytool {

class CommandContext;

/// The specs of -z, -Z, -c and --transfer.
MPYTOOL_TRANSFER_API std::vector<OptionSpec> transfer_global_options();

/// \p ts with the command line's transfer options (\p globals: GlobalOptions::plugin_options)
/// laid over it: -Z wins over -z, -c is parsed with parse_chunk_size(), --transfer auto clears
/// the path. Throws UsageError for a bad -c value.
MPYTOOL_TRANSFER_API TransferSettings apply_transfer_options(TransferSettings ts,
                                                             const ParsedArgs& globals);

/// Applies the command line's transfer options to the board connection's settings, after the
/// board profile's (resolving the profile first: one platform query when none is known yet).
MPYTOOL_TRANSFER_API void use_transfer_options(CommandContext& ctx);

}  // namespace mpytool
