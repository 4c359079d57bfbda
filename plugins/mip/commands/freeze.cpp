// SPDX-License-Identifier: MIT
// `mip freeze [--target DIR] [-o FILE] [--json]`: the lock file of what the board's manifest
// records (versions, sources, full sha256 per file and the URLs they came from), so that
// `mip install -r FILE` puts the same files on another board.
#include <fmt/format.h>

#include <functional>
#include <set>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/mip/board.hpp"
#include "mpytool/mip/lock.hpp"
#include "mpytool/mip/manifest.hpp"
#include "mpytool/transfer/host_file.hpp"

namespace mpytool::mip {
namespace {

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// The plan a manifest records: dependencies before their dependants, otherwise by name.
Plan plan_of(const Manifest& m, const std::string& mpy) {
  Plan plan;
  plan.mpy = mpy;
  std::set<std::string> done, visiting;
  std::function<void(const std::string&)> add = [&](const std::string& name) {
    auto it = m.packages.find(name);
    if (it == m.packages.end() || done.count(name) || !visiting.insert(name).second) return;
    for (const std::string& d : it->second.deps) add(d);
    const InstalledPackage& ip = it->second;
    Package p;
    p.name = ip.name;
    p.version = ip.version;
    p.source = ip.source;
    p.index = ip.index;
    p.kind = !ip.index.empty()                                             ? Source::kIndex
             : ends_with(ip.source, ".py") || ends_with(ip.source, ".mpy") ? Source::kFile
                                                                           : Source::kPackageJson;
    p.requested = ip.requested;
    p.deps = ip.deps;
    for (const auto& [path, hash] : ip.files) {
      FileRef f;
      f.path = path;
      const auto u = ip.urls.find(path);
      f.url = u == ip.urls.end() ? std::string() : u->second;
      f.hash = hash;
      f.sha256 = hash;
      p.files.push_back(std::move(f));
    }
    if (p.requested) plan.requested.push_back(p.name);
    plan.packages.push_back(std::move(p));
    done.insert(name);
  };
  for (const auto& [name, p] : m.packages) add(name);
  return plan;
}

}  // namespace

int run_freeze(CommandContext& ctx, const ParsedArgs& args, const Words& words) {
  if (!words.empty()) {
    throw UsageError(fmt::format("mip freeze: unexpected argument '{}'", words.front()));
  }
  const BoardFacts facts = board_facts(ctx.mpy(), args.value("target"));
  const Plan plan = plan_of(facts.manifest, facts.mpy);
  std::size_t missing_urls = 0;
  for (const Package& p : plan.packages) {
    for (const FileRef& f : p.files) missing_urls += f.url.empty() ? 1 : 0;
  }
  if (missing_urls) {
    ctx.out().verbose(1, fmt::format("warning: the manifest records no URL for {} file{}: the "
                                     "lock cannot fetch them",
                                     missing_urls, missing_urls == 1 ? "" : "s"));
  }
  const std::string lock = lock_json(plan);
  const auto output = args.value("output");
  if (!output || *output == "-") {
    ctx.out().data(lock);
    return 0;
  }
  write_host_file(*output, lock);
  if (args.flag("json")) {
    ctx.out().data(fmt::format(R"({{"output": {}, "target": {}, "packages": {}}})"
                               "\n",
                               json_quote(*output), json_quote(facts.target),
                               plan.packages.size()));
  } else {
    ctx.out().verbose(1, fmt::format("Wrote {} ({} package{})", *output, plan.packages.size(),
                                     plan.packages.size() == 1 ? "" : "s"));
  }
  return 0;
}

}  // namespace mpytool::mip
