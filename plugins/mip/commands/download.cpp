// SPDX-License-Identifier: MIT
// `mip download SPEC... [-r FILE] -d DIR [--index ...] [--mpy N|py]`: resolves and fetches on
// the host (no board), and writes DIR as a v2 index plus DIR/mip.lock for offline installs.
#include <fmt/format.h>

#include "command_support.hpp"
#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/mip/fetch.hpp"
#include "mpytool/mip/index_writer.hpp"

namespace mpytool::mip {

int run_download(CommandContext& ctx, const ParsedArgs& args, const Words& words) {
  const auto dir = args.value("dir");
  if (!dir || dir->empty()) {
    throw UsageError("mip download: -d DIR is required", "mip download SPEC... -d DIR");
  }
  const std::string mpy = args.value("mpy").value_or("6");
  if (mpy != "py" && (mpy.empty() || mpy.find_first_not_of("0123456789") != std::string::npos)) {
    throw UsageError(fmt::format("mip download: --mpy: expected a number or 'py', got '{}'", mpy));
  }
  for (const char* board_only : {"target", "dry-run", "output"}) {
    if (args.flag(board_only) || args.value(board_only)) {
      throw UsageError(fmt::format("mip download: --{} is for the board commands", board_only));
    }
  }
  const ResolveOptions options = resolve_options(ctx, args, mpy);
  Plan plan = plan_from_args(args, words, options);
  Output& out = ctx.out();
  const bool json = args.flag("json");
  if (!json) {
    for (const auto& p : plan.packages) {
      const std::string from = !p.index.empty() ? p.index : p.source;
      out.data(p.version.empty()
                   ? fmt::format("Downloading {} from {}\n", p.name, from)
                   : fmt::format("Downloading {} ({}) from {}\n", p.name, p.version, from));
    }
  }
  fetch_files(plan, options);
  out.end_progress();
  const IndexWritten w = write_index(plan, *dir);
  print_notes(ctx, plan);
  if (json) {
    std::string s = fmt::format(
        "{{\"dir\": {}, \"lock\": {}, \"mpy\": {}, \"files_written\": {}, "
        "\"files_present\": {}, \"packages\": [",
        json_quote(*dir), json_quote(w.lock_path), json_quote(plan.mpy), w.files_written,
        w.files_present);
    for (std::size_t i = 0; i < plan.packages.size(); ++i) {
      const auto& p = plan.packages[i];
      s += fmt::format("{}{{\"name\": {}, \"version\": {}, \"files\": {}}}", i == 0 ? "" : ", ",
                       json_quote(p.name), json_quote(p.version), p.files.size());
    }
    out.data(s + "]}\n");
    return 0;
  }
  for (const auto& pj : w.package_jsons) out.data(fmt::format("Wrote {}\n", pj));
  out.data(fmt::format("Wrote {} file{} ({} already there) and {}\n", w.files_written,
                       w.files_written == 1 ? "" : "s", w.files_present, w.lock_path));
  out.data("Done\n");
  return 0;
}

}  // namespace mpytool::mip
