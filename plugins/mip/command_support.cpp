// SPDX-License-Identifier: MIT
#include "command_support.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/http/client.hpp"
#include "mpytool/mip/lock.hpp"
#include "mpytool/mip/resolve.hpp"

namespace mpytool::mip {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw MpyError(fmt::format("cannot open '{}'", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

ResolveOptions resolve_options(CommandContext& ctx, const ParsedArgs& args,
                               const std::string& mpy) {
  ResolveOptions o;
  o.indexes = args.values("index");
  o.mpy = args.flag("no-mpy") ? std::string("py") : mpy;
  o.client = std::make_shared<http::Client>();
  Output& out = ctx.out();
  if (out.wants_progress()) {
    o.progress = [&out](std::size_t done, std::size_t total, const std::string& url) {
      out.progress(1, fmt::format("Fetching {}/{} {}", done, total, url));
    };
  }
  return o;
}

Plan plan_from_args(const ParsedArgs& args, const std::vector<std::string>& words,
                    const ResolveOptions& options) {
  std::vector<std::string> specs = words;
  const auto files = args.values("requirement");
  for (const auto& file : files) {
    const std::string text = read_text(file);
    if (is_lock(text)) {
      if (files.size() != 1 || !words.empty()) {
        throw UsageError(
            fmt::format("a lock file ('{}') installs exactly what it records: "
                        "give no other package or -r",
                        file));
      }
      return resolve_lock(text, options, file);
    }
    for (auto& s : read_requirements(text)) specs.push_back(std::move(s));
  }
  if (specs.empty()) throw UsageError("mip: no package given", "give SPEC... or -r FILE");
  return resolve(specs, options);
}

void print_notes(CommandContext& ctx, const Plan& plan) {
  for (const auto& n : plan.notes) ctx.out().verbose(2, n);
  if (plan.unreachable.empty()) return;
  std::string hosts;
  for (const auto& h : plan.unreachable) hosts += (hosts.empty() ? "" : ", ") + h;
  ctx.out().verbose(0, fmt::format("mpytool: warning: cannot reach {}: using cached copies of {} "
                                   "file{}",
                                   hosts, plan.cached, plan.cached == 1 ? "" : "s"));
}

}  // namespace mpytool::mip
