// SPDX-License-Identifier: MIT
// Resolving specs into a Plan. The tree is walked level by level (all JSONs of a level fetched
// at once); each package name is claimed once. A later explicit version that differs from a
// "latest" already resolved pins the name and the walk starts over (JSONs are memoised, so a
// restart costs no download); two explicit versions that differ are a conflict.
#include "mpytool/mip/resolve.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "mpytool/base/error.hpp"
#include "mpytool/mip/cache.hpp"
#include "mpytool/mip/source.hpp"
#include "mpytool/mip/spec.hpp"
#include "package_json.hpp"

namespace mpytool::mip {
namespace {

namespace fs = std::filesystem;

bool is_explicit(const std::string& version) { return !version.empty() && version != "latest"; }

std::string who(const std::string& needed_by) {
  return needed_by.empty() ? std::string("the command line") : needed_by;
}

// {index}/{a}/{b}/... for a URL index or a host directory.
std::string index_location(const std::string& index, const std::string& rest) {
  if (is_http_url(index)) {
    std::string base = index;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/" + rest;
  }
  return (fs::path(index) / rest).lexically_normal().string();
}

struct Request {
  Spec spec;
  std::string parent;  // the dependant's name; "" for a spec of the command line
  bool requested = false;
};

struct Claim {
  Spec spec;
  bool is_explicit = false;
  std::string needed_by;
  bool requested = false;
  std::string spec_text;
  bool done = false;
  Package pkg;
};

struct Restart {};

class Resolver {
 public:
  explicit Resolver(const ResolveOptions& options)
      : options_(options),
        indexes_(options.indexes.empty() ? default_indexes() : options.indexes),
        cache_(options.cache_dir),
        reader_(options) {}

  Plan run(const std::vector<Spec>& specs) {
    for (int attempt = 0;; ++attempt) {
      try {
        return attempt_once(specs);
      } catch (const Restart&) {
        if (attempt > 1000) throw MpyError("cannot settle the versions of the dependencies");
      }
    }
  }

 private:
  const ResolveOptions& options_;
  std::vector<std::string> indexes_;
  Cache cache_;
  Reader reader_;
  std::map<std::string, Fetched> memo_;
  std::map<std::string, std::pair<std::string, std::string>> pins_;  // name: version, who
  std::vector<std::string> notes_;
  std::vector<std::string> unreachable_;  // hosts whose JSONs came from the cache

  std::map<std::string, Claim> claims_;
  std::vector<std::string> claim_order_;
  std::map<std::string, std::vector<std::string>> edges_;

  void note(const std::string& text) {
    if (std::find(notes_.begin(), notes_.end(), text) == notes_.end()) notes_.push_back(text);
  }

  static Spec respec(const Spec& s, const std::string& version) {
    if (s.kind == Source::kIndex) {
      Spec r = s;
      r.version = version;
      return r;
    }
    Spec r = parse_spec(version.empty() ? s.target : s.target + "@" + version);
    r.text = s.text;
    return r;
  }

  // Fetches the JSONs not memoised yet. \p frozen: those that may come from the cache first.
  void fetch_jsons(const std::vector<std::string>& locations, const std::set<std::string>& frozen) {
    std::vector<std::string> todo;
    for (const auto& loc : locations) {
      if (memo_.count(loc) != 0 || std::find(todo.begin(), todo.end(), loc) != todo.end()) {
        continue;
      }
      if (frozen.count(loc) != 0 && is_http_url(loc)) {
        if (auto text = cache_.json(loc)) {
          memo_[loc] = Fetched{200, std::move(*text), nullptr};
          continue;
        }
      }
      todo.push_back(loc);
    }
    if (todo.empty()) return;
    auto results = reader_.read_all(todo, options_.progress);
    for (std::size_t i = 0; i < todo.size(); ++i) {
      const std::string& loc = todo[i];
      Fetched& f = results[i];
      if (is_http_url(loc)) {
        if (f.ok()) {
          if (frozen.count(loc) != 0) {
            cache_.put_json(loc, f.body);
          } else {
            cache_.put_stale(loc, f.body);
          }
        } else if (f.error) {
          try {
            std::rethrow_exception(f.error);
          } catch (const ConnError& e) {
            if (auto text = cache_.stale(loc)) {
              note(fmt::format("network failed ({}): using the cached copy of {}", e.what(), loc));
              const std::string host = host_of(loc);
              if (std::find(unreachable_.begin(), unreachable_.end(), host) == unreachable_.end())
                unreachable_.push_back(host);
              f = Fetched{200, std::move(*text), nullptr};
            }
          } catch (...) {
          }
        }
      }
      memo_[loc] = std::move(f);
    }
  }

  const Fetched& fetched(const std::string& loc) {
    const Fetched& f = memo_.at(loc);
    if (f.error) std::rethrow_exception(f.error);
    return f;
  }

  [[noreturn]] static void status_error(const Fetched& f, const std::string& loc) {
    throw MpyError(fmt::format("error {} requesting {}", f.status, loc));
  }

  Plan attempt_once(const std::vector<Spec>& specs) {
    claims_.clear();
    claim_order_.clear();
    edges_.clear();
    std::vector<Request> level;
    for (const auto& s : specs) level.push_back({s, "", true});
    while (!level.empty()) {
      std::vector<std::string> to_build;
      for (const auto& r : level) take(r, to_build);
      level = build(to_build);
    }
    return finish(specs);
  }

  void take(const Request& r, std::vector<std::string>& to_build) {
    const std::string& name = r.spec.name;
    if (!r.parent.empty()) {
      auto& e = edges_[r.parent];
      if (std::find(e.begin(), e.end(), name) == e.end()) e.push_back(name);
    }
    const bool expl = is_explicit(r.spec.version);
    auto it = claims_.find(name);
    if (it == claims_.end()) {
      Claim c;
      c.spec = r.spec;
      c.is_explicit = expl;
      c.needed_by = r.parent;
      if (!expl) {
        c.spec = respec(r.spec, "");
        if (auto pin = pins_.find(name); pin != pins_.end()) {
          c.spec = respec(r.spec, pin->second.first);
          c.is_explicit = true;
          c.needed_by = pin->second.second;
        }
      }
      c.requested = r.requested;
      if (r.requested) c.spec_text = r.spec.text;
      claims_.emplace(name, std::move(c));
      claim_order_.push_back(name);
      to_build.push_back(name);
      return;
    }
    Claim& c = it->second;
    if (r.requested) {
      c.requested = true;
      if (c.spec_text.empty()) c.spec_text = r.spec.text;
    }
    if (!expl) {
      if (!r.parent.empty() && c.is_explicit) {
        note(fmt::format("{} needs {} (latest): {} {} is used", r.parent, name, name,
                         c.spec.version));
      }
      return;
    }
    if (c.is_explicit) {
      if (c.spec.version != r.spec.version) {
        throw UsageError(
            fmt::format("version conflict: {} {} (needed by {}) and {} {} (needed by {})", name,
                        c.spec.version, who(c.needed_by), name, r.spec.version, who(r.parent)));
      }
      return;
    }
    // The claim is a "latest" one: this explicit version wins.
    if (!c.done) {
      c.spec = respec(c.spec, r.spec.version);
      c.is_explicit = true;
      c.needed_by = r.parent;
      return;
    }
    if (c.pkg.version == r.spec.version) {
      c.is_explicit = true;
      c.needed_by = r.parent;
      return;
    }
    pins_[name] = {r.spec.version, r.parent};
    throw Restart{};
  }

  std::vector<Request> build(const std::vector<std::string>& names) {
    std::vector<Request> next;
    std::vector<std::string> index_names;
    std::vector<std::string> json_locs;
    for (const auto& n : names) {
      const Claim& c = claims_.at(n);
      if (c.spec.kind == Source::kIndex) index_names.push_back(n);
      if (c.spec.kind == Source::kPackageJson) json_locs.push_back(c.spec.location);
    }
    // The package.json URLs of this level, and the first index for the index names, at once.
    std::map<std::string, std::pair<std::string, std::string>> found;  // name: index, loc
    std::vector<std::string> pending = index_names;
    for (std::size_t ix = 0; ix < indexes_.size(); ++ix) {
      std::vector<std::string> locs = ix == 0 ? json_locs : std::vector<std::string>{};
      std::set<std::string> frozen;
      for (const auto& n : pending) {
        const Spec& s = claims_.at(n).spec;
        const std::string loc = package_location(indexes_[ix], options_.mpy, s);
        locs.push_back(loc);
        if (is_explicit(s.version)) frozen.insert(loc);
      }
      if (locs.empty()) break;
      fetch_jsons(locs, frozen);
      std::vector<std::string> still;
      for (const auto& n : pending) {
        const std::string loc = package_location(indexes_[ix], options_.mpy, claims_.at(n).spec);
        const Fetched& f = fetched(loc);
        if (f.ok()) {
          found[n] = {indexes_[ix], loc};
        } else if (f.status == 404) {
          still.push_back(n);
        } else {
          status_error(f, loc);
        }
      }
      pending = std::move(still);
      if (pending.empty() && ix > 0) break;
    }
    if (indexes_.empty() && !json_locs.empty()) fetch_jsons(json_locs, {});
    if (!pending.empty()) not_found(pending.front());

    for (const auto& n : names) {
      Claim& c = claims_.at(n);
      Package& p = c.pkg;
      p.name = n;
      p.kind = c.spec.kind;
      p.requested = c.requested;
      p.spec = c.spec_text;
      if (c.spec.kind == Source::kFile) {
        p.version = c.spec.version;
        p.source = c.spec.location;
        std::string base(c.spec.location);
        base = base.substr(0, base.find_first_of("?#"));
        base = base.substr(base.rfind('/') == std::string::npos ? 0 : base.rfind('/') + 1);
        p.files.push_back({base, c.spec.location, "", "", "", false});
        c.done = true;
        continue;
      }
      std::string loc;
      if (c.spec.kind == Source::kIndex) {
        p.index = found.at(n).first;
        loc = found.at(n).second;
      } else {
        loc = c.spec.location;
        const Fetched& f = fetched(loc);
        if (f.status == 404) throw MpyError(fmt::format("package not found: {}", loc));
        if (!f.ok()) status_error(f, loc);
      }
      p.source = loc;
      const detail::PackageJson pj = detail::parse_package_json(memo_.at(loc).body, loc);
      if (c.spec.kind == Source::kIndex) {
        p.version = !pj.version.empty() ? pj.version : c.spec.version;
      } else {
        p.version = !c.spec.version.empty() ? c.spec.version : pj.version;
      }
      const std::string files_index =
          !p.index.empty() ? p.index : (indexes_.empty() ? std::string() : indexes_.front());
      for (const auto& [path, h] : pj.hashes) {
        p.files.push_back(
            {path, index_location(files_index, fmt::format("file/{}/{}", h.substr(0, 2), h)), h, "",
             "", false});
      }
      const std::string branch = c.spec.kind == Source::kIndex ? std::string() : c.spec.version;
      for (const auto& [path, u] : pj.urls) {
        p.files.push_back({path, rewrite_url(join_location(loc, u), branch), "", "", "", false});
      }
      for (const auto& [dep, ver] : pj.deps) {
        Spec ds;
        if (is_url_spec(dep)) {
          ds = parse_spec(ver.empty() ? dep : dep + "@" + ver);
        } else if (dep.ends_with(".json") && !is_http_url(loc)) {
          ds = parse_spec(join_location(loc, dep));
          ds.version = ver;
        } else {
          ds.kind = Source::kIndex;
          ds.name = dep;
          ds.target = dep;
          ds.version = ver;
          ds.text = ver.empty() ? dep : dep + "@" + ver;
        }
        next.push_back({ds, n, false});
      }
      if (p.files.empty() && pj.deps.empty()) {
        note(fmt::format("package {} {} has no files", p.name, p.version));
      }
      c.done = true;
    }
    return next;
  }

  static std::string package_location(const std::string& index, const std::string& mpy,
                                      const Spec& s) {
    return index_location(index, fmt::format("package/{}/{}/{}.json", mpy, s.name,
                                             is_explicit(s.version) ? s.version : "latest"));
  }

  [[noreturn]] void not_found(const std::string& name) {
    const Spec& s = claims_.at(name).spec;
    const std::string ver = is_explicit(s.version) ? s.version : "latest";
    if (options_.mpy != "py") {
      std::vector<std::string> locs;
      for (const auto& ix : indexes_) locs.push_back(package_location(ix, "py", s));
      fetch_jsons(locs, {});
      for (const auto& loc : locs) {
        const Fetched& f = memo_.at(loc);
        if (f.ok()) {
          std::string v = ver;
          try {
            const auto pj = detail::parse_package_json(f.body, loc);
            if (!pj.version.empty()) v = pj.version;
          } catch (const MpyError&) {
          }
          throw MpyError(
              fmt::format("package {} {} has no files for mpy {}", name, v, options_.mpy),
              "its source (.py) flavour exists: install it with --no-mpy");
        }
      }
    }
    std::string searched;
    for (const auto& ix : indexes_) searched += (searched.empty() ? "" : ", ") + ix;
    throw MpyError(fmt::format("package not found: '{}' (searched {})",
                               is_explicit(s.version) ? name + "@" + s.version : name, searched));
  }

  Plan finish(const std::vector<Spec>& specs) {
    Plan plan;
    plan.mpy = options_.mpy;
    for (const auto& s : specs) {
      if (std::find(plan.requested.begin(), plan.requested.end(), s.name) == plan.requested.end()) {
        plan.requested.push_back(s.name);
      }
    }
    // Deps before dependants (depth first, post-order), cycles noted.
    std::map<std::string, int> state;
    std::vector<std::string> stack;
    std::vector<std::string> order;
    std::function<void(const std::string&)> visit = [&](const std::string& n) {
      state[n] = 1;
      stack.push_back(n);
      for (const auto& d : edges_[n]) {
        if (state[d] == 1) {
          std::string cycle;
          auto from = std::find(stack.begin(), stack.end(), d);
          for (auto i = from; i != stack.end(); ++i) cycle += *i + " -> ";
          note("dependency cycle: " + cycle + d + " (installed once)");
        } else if (state[d] == 0) {
          visit(d);
        }
      }
      stack.pop_back();
      state[n] = 2;
      order.push_back(n);
    };
    for (const auto& n : plan.requested) {
      if (state[n] == 0) visit(n);
    }
    for (const auto& n : claim_order_) {
      if (state[n] == 0) visit(n);
    }
    struct Owner {
      std::string name, hash, url;
    };
    std::map<std::string, Owner> paths;
    for (const auto& n : order) {
      Package p = claims_.at(n).pkg;
      p.deps = edges_[n];
      for (const auto& f : p.files) {
        auto [it, fresh] = paths.try_emplace(f.path, Owner{n, f.hash, f.url});
        if (fresh) continue;
        const Owner& other = it->second;
        const bool same = !f.hash.empty() && !other.hash.empty()
                              ? (f.hash.starts_with(other.hash) || other.hash.starts_with(f.hash))
                              : (f.hash.empty() && other.hash.empty() && f.url == other.url);
        if (!same) {
          throw MpyError(
              fmt::format("file conflict: '{}' is in both {} and {} with different "
                          "contents",
                          f.path, other.name, n));
        }
      }
      plan.packages.push_back(std::move(p));
    }
    plan.notes = notes_;
    plan.unreachable = unreachable_;
    return plan;
  }
};

}  // namespace

Plan resolve(const std::vector<std::string>& specs, const ResolveOptions& options) {
  std::vector<Spec> parsed;
  for (const auto& s : specs) parsed.push_back(parse_spec(s));
  if (parsed.empty()) throw UsageError("mip: no package given");
  Resolver r(options);
  return r.run(parsed);
}

}  // namespace mpytool::mip
