// SPDX-License-Identifier: MIT
#include "mpytool/mip/board.hpp"

#include <fmt/format.h>

#include "mpytool/base/error.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/mip/cache.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::mip {
namespace {

std::string repr_opt(const std::optional<std::string>& s) {
  return s ? repr_str(*s) : std::string("None");
}

std::string repr_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& s : items) {
    if (out.size() > 1) out += ',';
    out += repr_str(s);
  }
  return out + "]";
}

std::optional<std::int64_t> opt_int(const PyValue& v) {
  if (v.is_none()) return std::nullopt;
  return v.as_int();
}

/// Runs \p call with helper \p name sent in the same program when it is not on the board yet.
std::string run_with(Mpy& mpy, std::string_view name, const std::string& call, double timeout) {
  const std::string helper = mpy.take_helper(name);
  try {
    return mpy.comm().exec(helper + call, timeout);
  } catch (...) {
    if (!helper.empty()) mpy.forget_helper(name);
    throw;
  }
}

}  // namespace

std::string BoardFacts::manifest_path() const { return path(".mip.json"); }

std::string BoardFacts::path(const std::string& relative) const {
  return target == "/" ? "/" + relative : target + "/" + relative;
}

std::string BoardFacts::staging() const { return path(".mip-staging"); }

BoardFacts board_facts(Mpy& mpy, const std::optional<std::string>& target, bool no_mpy) {
  const std::string call =
      fmt::format("print(repr(_mt_mipf({}, {})))", repr_opt(target), no_mpy ? "True" : "False");
  const PyValue v = parse_literal(run_with(mpy, "mip_facts", call, 10.0));
  if (!v.is_sequence() || v.size() != 9) throw MpyError("mip: unexpected answer from the board");
  BoardFacts f;
  f.mpy = v[0].as_str();
  if (v[1].is_none()) {
    throw UsageError("unable to find lib dir in sys.path, use --target to override");
  }
  f.target = v[1].as_str();
  f.free = opt_int(v[2]);
  f.block = opt_int(v[3]);
  if (!v[4].is_none()) f.mount_vfs = v[4].as_str();
  f.empty_target = !v[8].as_bool();
  if (!v[7].is_none()) {
    f.manifest_text = v[7].as_str();
  } else if (!v[5].is_none()) {
    // The text of a manifest this host wrote or read before is in the cache, by its hash.
    const Cache cache;
    f.manifest_text = cache.file(v[5].as_str());
    if (!f.manifest_text) {
      f.manifest_text =
          mpy.comm()
              .exec_eval(fmt::format("repr(open({}).read())", repr_str(f.manifest_path())))
              .as_str();
      remember_manifest(*f.manifest_text);
    }
  }
  if (f.manifest_text) f.manifest = Manifest::parse(*f.manifest_text, f.manifest_path());
  if (v[6].is_str()) {
    // One digit per recorded path, in sorted order (a path two packages share counts once).
    std::set<std::string> paths;
    for (const auto& [name, p] : f.manifest.packages) {
      for (const auto& [path, sha] : p.files) paths.insert(path);
    }
    const std::string& bits = v[6].as_str();
    if (bits.size() != paths.size()) throw MpyError("mip: unexpected answer from the board");
    f.intact.emplace();
    std::size_t i = 0;
    for (const std::string& path : paths) {
      if (bits[i++] == '1') f.intact->insert(path);
    }
  }
  return f;
}

void remember_manifest(const std::string& text) { Cache().put_file(text); }

void require_own_filesystem(const BoardFacts& facts) {
  if (facts.mount_vfs.empty()) return;
  throw UsageError(fmt::format(
      "target {} is inside a mount: mip installs onto the board's own filesystem", facts.target));
}

std::int64_t space_needed(const std::vector<std::int64_t>& sizes, std::int64_t block) {
  if (block <= 0) block = 1;
  std::int64_t total = 0;
  for (std::int64_t s : sizes) total += std::max<std::int64_t>(1, (s + block - 1) / block) * block;
  return total;
}

std::string Staging::file(std::size_t index) const { return fmt::format("{}/{}", dir, index); }

std::string Staging::manifest_file() const { return dir + "/m"; }

Staging make_staging(Mpy& mpy, const BoardFacts& facts) {
  Staging s{facts.staging(), {}};
  const PyValue v = parse_literal(
      run_with(mpy, "mip_stage", fmt::format("print(repr(_mt_mipd({})))", repr_str(s.dir)), 10.0));
  for (std::size_t i = 0; v.is_sequence() && i < v.size(); ++i) s.created.push_back(v[i].as_str());
  return s;
}

MoveResult finish_on_board(Mpy& mpy, const BoardFacts& facts, const std::vector<std::string>& moves,
                           const std::vector<std::string>& removes,
                           const std::optional<std::string>& manifest_json,
                           const Staging* staging) {
  // The paths and the manifest (unless staged) in one '\0'-joined string: deflated on a board
  // with `deflate` when long (the manifest's hashes and URLs are most of it), as it is on one
  // without.
  std::string args;
  for (const auto& p : moves) args += p + '\0';
  for (const auto& p : removes) args += p + '\0';
  // '*': the manifest is staged (staging/m).
  args += staging && staging->manifest ? std::string("*") : manifest_json.value_or("");
  // The helpers: there already after an install's preload (or an earlier run), else one program.
  mpy.load_helpers({"mip_stage", "mip_move"});
  const std::string head =
      fmt::format("print(repr(_mt_mipm({}, {}, {}, ", repr_str(facts.target),
                  staging ? repr_str(staging->dir) : std::string("None"), moves.size());
  const std::string tail =
      fmt::format(", {})))\n", repr_list(staging ? staging->created : std::vector<std::string>{}));
  const std::string plain = head + repr_bytes(args) + tail;
  const double timeout = 10.0 + 0.2 * static_cast<double>(moves.size() + removes.size());
  std::string answer;
  if (plain.size() > 256) {
    try {
      answer = mpy.comm().exec("exec(" + inflate_expression(plain) + ")\n", timeout);
    } catch (const CmdError& e) {
      // No deflate on this board (nothing ran): the plain program.
      if (e.exception_line().find("ImportError") == std::string::npos) throw;
    }
  }
  if (answer.empty()) answer = mpy.comm().exec(plain, timeout);
  const PyValue v = parse_literal(answer);
  MoveResult r;
  r.total = moves.size();
  if (v.is_none()) {
    r.moved = moves.size();
    return r;
  }
  if (!v.is_sequence() || v.size() != 3) throw MpyError("mip: unexpected answer from the board");
  r.moved = static_cast<std::size_t>(v[0].as_int());
  r.error = v[1].as_str();
  if (r.error.empty()) r.error = "unknown error";
  r.restored = v[2].as_bool();
  return r;
}

}  // namespace mpytool::mip
