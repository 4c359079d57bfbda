// SPDX-License-Identifier: MIT
// `mip uninstall PKG... [--target DIR] [-n] [--json]`: removes exactly the files the manifest
// records for the packages, and the dependencies they brought that no other installed package
// needs and the user did not ask for; a file another package records stays. One round trip for
// the facts and the manifest, one program for the removals and the new manifest.
#include <fmt/format.h>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/mip/board.hpp"
#include "mpytool/mip/manifest.hpp"

namespace mpytool::mip {

int run_uninstall(CommandContext& ctx, const ParsedArgs& args, const Words& words) {
  if (words.empty()) throw UsageError("mip uninstall: name the packages to remove");
  const bool json = args.flag("json");
  const bool dry = args.flag("dry-run");
  Mpy& mpy = ctx.mpy();
  const BoardFacts facts = board_facts(mpy, args.value("target"));
  require_own_filesystem(facts);
  const Removal r = remove_packages(facts.manifest, words);

  std::vector<std::string> paths;
  for (const std::string& f : r.files) paths.push_back(facts.path(f));
  if (!dry) {
    const std::string manifest_json = r.manifest.to_json();
    const MoveResult done = finish_on_board(mpy, facts, {}, r.files, manifest_json, nullptr);
    if (!done.ok()) {
      throw DeviceError(fmt::format("cannot write the manifest in {}: {}; nothing was removed",
                                    facts.target, done.error));
    }
    remember_manifest(manifest_json);
  }

  std::string text;
  if (json) {
    text = fmt::format(R"({{"target": {}, "dry_run": {}, "packages": [)", json_quote(facts.target),
                       dry ? "true" : "false");
    for (std::size_t i = 0; i < r.packages.size(); ++i) {
      text += (i ? ", " : "") + json_quote(r.packages[i]);
    }
    text += R"(], "removed": [)";
    for (std::size_t i = 0; i < paths.size(); ++i) text += (i ? ", " : "") + json_quote(paths[i]);
    text += "]}\n";
  } else {
    for (const std::string& name : r.packages) {
      const InstalledPackage& p = facts.manifest.packages.at(name);
      text += fmt::format("Uninstalling {} ({})\n", printable(name),
                          printable(p.version.empty() ? "-" : p.version));
    }
    for (const std::string& p : paths) text += fmt::format("Removing: {}\n", printable(p));
    text += dry ? "Dry run: nothing was changed\n" : "Done\n";
  }
  ctx.out().data(text);
  return 0;
}

}  // namespace mpytool::mip
