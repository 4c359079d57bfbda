// SPDX-License-Identifier: MIT
#include "mpytool/transfer/options.hpp"

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
       "transfer path: auto (probe), stream (binary agent), text",
       {},
       {"auto", "stream", "text"}},
  };
}

TransferSettings apply_transfer_options(TransferSettings ts, const ParsedArgs& globals) {
  if (globals.flag("no-compress")) {
    ts.compress = false;
  } else if (globals.flag("compress")) {
    ts.compress = true;
  }
  if (auto c = globals.value("chunk-size")) ts.chunk_size = parse_chunk_size(*c);
  if (auto t = globals.value("transfer")) ts.path = *t == "auto" ? std::string() : *t;
  return ts;
}

void use_transfer_options(CommandContext& ctx) {
  Mpy& mpy = ctx.mpy();
  ctx.profile();  // a profile matched by platform sets the connection's settings first
  mpy.set_transfer_settings(
      apply_transfer_options(mpy.transfer_settings(), ctx.globals().plugin_options));
}

}  // namespace mpytool
