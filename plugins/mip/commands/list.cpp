// SPDX-License-Identifier: MIT
// `mip list [--target DIR] [--json]`: the packages the board's manifest records, and whether
// each file is still there with the content that was installed (one round trip for the facts
// and the manifest, one for every file's hash; one more only when some file is not intact, to
// tell changed from missing).
#include <fmt/format.h>

#include <map>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/files/files.hpp"
#include "mpytool/mip/board.hpp"
#include "mpytool/mip/manifest.hpp"

namespace mpytool::mip {
namespace {

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + json_quote(items[i]);
  return out + "]";
}

}  // namespace

int run_list(CommandContext& ctx, const ParsedArgs& args, const Words& words) {
  if (!words.empty()) {
    throw UsageError(fmt::format("mip list: unexpected argument '{}'", words.front()));
  }
  Mpy& mpy = ctx.mpy();
  const BoardFacts facts = board_facts(mpy, args.value("target"));
  const Manifest& m = facts.manifest;

  // Every recorded file: its hash on the board (one round trip).
  std::vector<files::Files::Expected> expected;
  std::vector<std::pair<std::string, std::string>> keys;  // package, relative path
  for (const auto& [name, p] : m.packages) {
    for (const auto& [path, hash] : p.files) {
      expected.push_back({facts.path(path), -1, from_hex(hash)});
      keys.emplace_back(name, path);
    }
  }
  files::Files board_files(mpy);
  std::vector<bool> ok(expected.size(), false);
  if (!expected.empty()) {
    const auto same = board_files.unchanged(expected);
    if (!same) throw MpyError("mip list: the board cannot hash files (no hashlib)");
    ok = *same;
  }
  // Changed or missing: one more round trip, only when something is not intact.
  std::map<std::string, std::int64_t> probe;
  for (std::size_t i = 0; i < ok.size(); ++i) {
    if (!ok[i]) probe[expected[i].path] = 0;
  }
  std::map<std::string, std::optional<files::FileInfo>> present;
  if (!probe.empty()) {
    if (auto info = board_files.fileinfo(probe)) present = std::move(*info);
  }
  std::map<std::string, std::vector<std::string>> changed, missing;
  for (std::size_t i = 0; i < ok.size(); ++i) {
    if (ok[i]) continue;
    const auto it = present.find(expected[i].path);
    const bool there = it != present.end() && it->second.has_value();
    (there ? changed : missing)[keys[i].first].push_back(keys[i].second);
  }

  std::string text;
  if (args.flag("json")) {
    text = fmt::format(R"({{"target": {}, "packages": [)", json_quote(facts.target));
    bool first = true;
    for (const auto& [name, p] : m.packages) {
      std::vector<std::string> paths;
      for (const auto& [path, hash] : p.files) paths.push_back(path);
      const auto& c = changed[name];
      const auto& g = missing[name];
      text += first ? "" : ", ";
      first = false;
      text +=
          fmt::format(R"({{"name": {}, "version": {}, "source": {}, "index": {}, "requested": {}, )"
                      R"("deps": {}, "files": {}, "intact": {}, "changed": {}, "missing": {}}})",
                      json_quote(name), json_quote(p.version), json_quote(p.source),
                      p.index.empty() ? "null" : json_quote(p.index),
                      p.requested ? "true" : "false", json_list(p.deps), json_list(paths),
                      c.empty() && g.empty() ? "true" : "false", json_list(c), json_list(g));
    }
    text += "]}\n";
  } else if (m.packages.empty()) {
    text = fmt::format("No packages installed in {}\n", printable(facts.target));
  } else {
    for (const auto& [name, p] : m.packages) {
      std::string state;
      for (const auto& f : changed[name]) state += (state.empty() ? "" : ", ") + ("changed " + f);
      for (const auto& f : missing[name]) state += (state.empty() ? "" : ", ") + ("missing " + f);
      text += fmt::format("{} {} ({} file{}{}): {}\n", printable(name),
                          printable(p.version.empty() ? "-" : p.version), p.files.size(),
                          p.files.size() == 1 ? "" : "s", p.requested ? "" : ", dependency",
                          state.empty() ? "intact" : printable(state));
    }
  }
  ctx.out().data(text);
  return 0;
}

}  // namespace mpytool::mip
