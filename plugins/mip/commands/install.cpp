// SPDX-License-Identifier: MIT
// `mip install [SPEC...] [-r FILE] [--target DIR] [--index URL|DIR]... [--no-mpy] [-n] [--json]`:
// everything is resolved, downloaded and hash-checked on the host first; then, whole or not at
// all: the board's facts and manifest (one round trip), the unchanged files (one round trip),
// free space checked, the rest uploaded in one streaming session into {target}/.mip-staging/,
// and one program moves them into place, removes what old versions had, writes the manifest and
// removes the staging dir, or puts back what it had moved when a move fails.
#include <fmt/format.h>

#include <future>
#include <set>

#include "command_support.hpp"
#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/files/files.hpp"
#include "mpytool/files/hash.hpp"
#include "mpytool/mip/board.hpp"
#include "mpytool/mip/fetch.hpp"
#include "mpytool/mip/manifest.hpp"
#include "mpytool/transfer/options.hpp"

namespace mpytool::mip {
namespace {

/// One file of the plan and what happens to it.
struct Item {
  const Package* package;
  const FileRef* file;
  bool exists = false;  ///< already on the board with this content
};

std::string header(const Package& p, const BoardFacts& facts) {
  switch (p.kind) {
    case Source::kIndex:
      return fmt::format("Installing {} ({}) from {} to {}", p.name, p.version, p.index,
                         facts.target);
    case Source::kPackageJson:
      return fmt::format("Installing {} to {}", p.source, facts.target);
    case Source::kFile:
      break;
  }
  return fmt::format("Downloading {} to {}", p.source, facts.target);
}

/// Throws \p e again with "nothing was installed: " before its message (\p after: "; nothing was
/// installed" after it), as the same class.
[[noreturn]] void rethrow_nothing_installed(const MpyError& e, bool after = false) {
  const std::string msg = after ? fmt::format("{}; nothing was installed", e.what())
                                : fmt::format("nothing was installed: {}", e.what());
  if (dynamic_cast<const Interrupted*>(&e)) throw;
  if (const auto* d = dynamic_cast<const DeviceError*>(&e))
    throw DeviceError(msg, d->errno_value());
  if (dynamic_cast<const Timeout*>(&e)) throw Timeout(msg, e.hint());
  if (dynamic_cast<const ConnError*>(&e)) throw ConnError(msg, e.hint());
  if (dynamic_cast<const UsageError*>(&e)) throw UsageError(msg, e.hint());
  if (e.exit_code() == ExitCode::kDevice) throw DeviceError(msg);
  throw MpyError(msg, e.hint());
}

/// The sha256 the manifest records for \p path ("" when no package records it).
std::string recorded_hash(const BoardFacts& facts, const std::string& path) {
  for (const auto& [name, p] : facts.manifest.packages) {
    if (auto it = p.files.find(path); it != p.files.end()) return it->second;
  }
  return "";
}

}  // namespace

int run_install(CommandContext& ctx, const ParsedArgs& args, const Words& words) {
  const bool json = args.flag("json");
  const bool dry = args.flag("dry-run");
  Output& out = ctx.out();
  auto say = [&](const std::string& line) {
    if (!json) out.data(line + "\n");
  };

  Mpy& mpy = ctx.mpy();
  const BoardFacts facts = board_facts(mpy, args.value("target"), args.flag("no-mpy"));
  require_own_filesystem(facts);
  for (const std::string& w : words) say("Install " + w);

  ResolveOptions options = resolve_options(ctx, args, facts.mpy);
  files::Files board_files(mpy, use_transfer_options(ctx));
  Plan plan;
  {
    // The host resolves and downloads while the board takes, in one program, the helpers an
    // install onto a target without a manifest (a first install) will need: the network and
    // the link work at the same time.
    std::future<void> fetched = std::async(std::launch::async, [&] {
      plan = plan_from_args(args, words, options);
      fetch_files(plan, options);
    });
    if (!dry && !facts.manifest_text) {
      board_files.preload_upload({"mip_stage", "mip_move"}, !facts.empty_target);
    }
    try {
      fetched.get();
    } catch (const MpyError& e) {
      rethrow_nothing_installed(e, true);
    }
  }
  print_notes(ctx, plan);

  // What the board already has (one round trip).
  // The facts program has hashed the files the manifest records: a file the plan wants with the
  // hash the manifest records and the board still has is there already. Only the others are
  // asked about (one more round trip, none on a re-install).
  std::vector<Item> items;
  std::vector<files::Files::Expected> expected;
  std::vector<std::size_t> asked;
  for (const Package& p : plan.packages) {
    for (const FileRef& f : p.files) {
      items.push_back({&p, &f});
      const std::string sha = files::sha256(f.data);
      if (facts.intact && facts.intact->count(f.path) != 0 &&
          recorded_hash(facts, f.path) == f.sha256) {
        items.back().exists = true;
        continue;
      }
      asked.push_back(items.size() - 1);
      expected.push_back({facts.path(f.path), static_cast<std::int64_t>(f.data.size()), sha});
    }
  }
  // Nothing can be there already in a target that holds nothing (a first install).
  if (!expected.empty() && !facts.empty_target) {
    const auto same = board_files.unchanged(expected);
    for (std::size_t k = 0; same && k < asked.size(); ++k) items[asked[k]].exists = (*same)[k];
  }

  std::vector<InstalledPackage> installed;
  for (const Package& p : plan.packages) installed.push_back(installed_from(p));
  const Merge merged = merge(facts.manifest, installed);
  const bool write_manifest = !facts.manifest_text || merged.manifest != facts.manifest;
  const std::string manifest_json = merged.manifest.to_json();

  std::vector<const Item*> uploads;  // each path once: packages may share a file
  std::set<std::string> upload_paths;
  std::int64_t bytes = 0;
  for (const Package& p : plan.packages) {
    say(header(p, facts));
    for (const Item& it : items) {
      if (it.package != &p) continue;
      // A file another package of this install shares is uploaded (and named) once.
      const bool upload = !it.exists && upload_paths.insert(it.file->path).second;
      say(fmt::format("{}: {}", upload ? "Installing" : "Exists", facts.path(it.file->path)));
      if (upload) {
        uploads.push_back(&it);
        bytes += static_cast<std::int64_t>(it.file->data.size());
      }
    }
  }
  for (const std::string& r : merged.replaced) out.verbose(1, "Replacing " + r);
  for (const std::string& s : merged.stale) say("Removing: " + facts.path(s));

  // Free space, before anything is written: the staged files, the staging dir and their dirs
  // in the target (a block each, at worst all new) and the new manifest sit next to the old
  // files until the move (a file a move replaces is renamed, not copied).
  std::vector<std::int64_t> sizes;
  std::set<std::string> dirs{""};
  for (const Item* it : uploads) {
    const std::string& p = it->file->path;
    sizes.push_back(static_cast<std::int64_t>(it->file->data.size()));
    for (auto slash = p.find('/'); slash != std::string::npos; slash = p.find('/', slash + 1)) {
      dirs.insert(p.substr(0, slash));
    }
  }
  if (write_manifest) sizes.push_back(static_cast<std::int64_t>(manifest_json.size()));
  const std::int64_t block = facts.block.value_or(4096);
  const std::int64_t need =
      sizes.empty()
          ? 0
          : space_needed(sizes, block) +
                (uploads.empty() ? 0 : block * (1 + static_cast<std::int64_t>(dirs.size())));
  if (facts.free && need > *facts.free) {
    throw DeviceError(
        fmt::format("nothing was installed: not enough space in {}: {} bytes needed, {} free",
                    facts.target, need, *facts.free),
        28);
  }

  const bool changes = !uploads.empty() || !merged.stale.empty() || write_manifest;
  if (!dry && changes) {
    // The files go to staging/0, staging/1, ... in one streaming session; a failure removes
    // what the staging made (the free-space figure above can be optimistic: littlefs needs
    // blocks of its own for a write).
    std::optional<Staging> staging;
    if (!uploads.empty()) {
      try {
        staging = make_staging(mpy, facts);
        std::vector<files::UploadItem> batch;
        for (std::size_t i = 0; i < uploads.size(); ++i) {
          batch.push_back({uploads[i]->file->data, staging->file(i), std::nullopt});
        }
        // The manifest goes with the files (deflated in their stream, not in the move's text).
        staging->manifest = write_manifest;
        if (write_manifest)
          batch.push_back({manifest_json, staging->manifest_file(), std::nullopt});
        board_files.put_many(batch);
      } catch (const MpyError& e) {
        if (staging && !dynamic_cast<const Interrupted*>(&e)) {
          const std::string& made = staging->created.empty() ? staging->dir : staging->created[0];
          try {
            board_files.remove_many({made});
          } catch (const MpyError& cleanup) {
            out.verbose(1, fmt::format("could not remove {}: {}", made, cleanup.what()));
          }
        }
        rethrow_nothing_installed(e);
      }
    }
    std::vector<std::string> moves;
    for (const Item* it : uploads) moves.push_back(it->file->path);
    MoveResult moved;
    try {
      moved =
          finish_on_board(mpy, facts, moves, merged.stale,
                          write_manifest ? std::optional<std::string>(manifest_json) : std::nullopt,
                          staging ? &*staging : nullptr);
    } catch (const MpyError& e) {
      // The staging dir may hold the files the moves replaced: it stays.
      throw MpyError(fmt::format("install into {} failed while moving files into place: {}",
                                 facts.target, e.what()));
    }
    if (!moved.ok() && moved.restored) {
      throw DeviceError(fmt::format("nothing was installed: moving the files into {} failed: {}",
                                    facts.target, moved.error));
    }
    if (!moved.ok()) {
      throw DeviceError(fmt::format(
          "install into {} failed while moving files into place: {}; {} of {} files were moved "
          "and could not be put back, the manifest was not updated, the files they replaced are "
          "in {}",
          facts.target, moved.error, moved.moved, moved.total, facts.staging()));
    }
    if (write_manifest) remember_manifest(manifest_json);
  }
  if (!changes) ctx.note_outcome("unchanged");

  if (json) {
    std::string j = "{";
    j += fmt::format(R"("target": {}, "mpy": {}, "dry_run": {}, "packages": [)",
                     json_quote(facts.target), json_quote(plan.mpy.empty() ? facts.mpy : plan.mpy),
                     dry ? "true" : "false");
    bool first = true;
    for (const Package& p : plan.packages) {
      j += first ? "" : ", ";
      first = false;
      j += fmt::format(
          R"({{"name": {}, "version": {}, "source": {}, "index": {}, "requested": {}, )"
          R"("deps": [)",
          json_quote(p.name), json_quote(p.version), json_quote(p.source),
          p.index.empty() ? "null" : json_quote(p.index), p.requested ? "true" : "false");
      for (std::size_t i = 0; i < p.deps.size(); ++i) j += (i ? ", " : "") + json_quote(p.deps[i]);
      j += R"(], "files": [)";
      bool ff = true;
      for (const Item& it : items) {
        if (it.package != &p) continue;
        j += ff ? "" : ", ";
        ff = false;
        j += fmt::format(R"({{"path": {}, "sha256": "{}", "size": {}, "action": "{}"}})",
                         json_quote(facts.path(it.file->path)), it.file->sha256,
                         it.file->data.size(), it.exists ? "exists" : "install");
      }
      j += "]}";
    }
    j += R"(], "removed": [)";
    for (std::size_t i = 0; i < merged.stale.size(); ++i) {
      j += (i ? ", " : "") + json_quote(facts.path(merged.stale[i]));
    }
    j += fmt::format(R"(], "uploaded_bytes": {}, "manifest_written": {}, "changed": {}}})",
                     dry ? 0 : bytes, !dry && write_manifest ? "true" : "false",
                     changes ? "true" : "false");
    out.data(j + "\n");
  } else if (dry) {
    say(changes ? "Dry run: nothing was changed" : "Dry run: nothing to do");
  } else {
    say("Done");
  }
  return 0;
}

}  // namespace mpytool::mip
