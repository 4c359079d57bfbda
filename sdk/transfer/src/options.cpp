// SPDX-License-Identifier: MIT
#include "mpytool/transfer/options.hpp"

#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/transfer/size_arg.hpp"

namespace mpytool {

std::vector<OptionSpec> transfer_global_options() {
  using K = OptionSpec::Kind;
  return {
      {"compress", 'z', K::kFlag, "", "force compression of transfers", {}, {}},
      {"no-compress", 'Z', K::kFlag, "", "disable compression of transfers (wins over -z)", {}, {}},
      {"chunk-size",
       'c',
       K::kValue,
       "SIZE",
       "transfer chunk size: 512, 4K, 4KB (64..131072)",
       {},
       {},
       [](const std::string& v) { parse_chunk_size(v); }},
      {"transfer",
       0,
       K::kValue,
       "MODE",
       "transfer path: auto (probe), stream (binary agent), text, webrepl (the board's WebREPL "
       "file protocol, on ws:// links)",
       {},
       {"auto", "stream", "text", "webrepl"}},
  };
}

TransferSettings apply_transfer_options(TransferSettings ts, const ParsedArgs& globals) {
  if (globals.flag("no-compress")) {
    ts.compress = false;
  } else if (globals.flag("compress")) {
    ts.compress = true;
  }
  if (auto c = globals.value("chunk-size")) ts.chunk_size = parse_chunk_size(*c);
  if (auto t = globals.value("transfer")) {
    // The option's choices are checked when it is parsed.
    ts.path = parse_transfer_path(*t).value_or(TransferPath::kAuto);
  }
  return ts;
}

TransferSettings use_transfer_options(CommandContext& ctx) {
  Mpy& mpy = ctx.mpy();
  ctx.profile();  // a profile matched by platform sets the connection's settings first
  TransferSettings& ts = transfer_settings(mpy);
  ts = apply_transfer_options(std::move(ts), ctx.globals().plugin_options);
  TransferSettings copy = ts;
  copy.cancelled = [&ctx] { return ctx.interrupted(); };
  return copy;
}

}  // namespace mpytool
