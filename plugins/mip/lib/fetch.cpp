// SPDX-License-Identifier: MIT
#include "mpytool/mip/fetch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "mpytool/base/error.hpp"
#include "mpytool/mip/cache.hpp"
#include "mpytool/mip/source.hpp"
#include "mpytool/mip/spec.hpp"

namespace mpytool::mip {
namespace {

// One download shared by every FileRef with the same URL.
struct Want {
  std::string url;
  std::string hash;  // the longest hash any of its FileRefs names ("" none)
  std::string path;  // the first FileRef's path, for messages
  std::vector<FileRef*> refs;
  std::string data;
  bool have = false;
};

void check_hash(const Want& w, const std::string& sha) {
  if (!w.hash.empty() && !sha.starts_with(w.hash)) {
    throw MpyError(fmt::format("hash mismatch for {} from {}: expected {}, got {}", w.path, w.url,
                               w.hash, sha.substr(0, w.hash.size())));
  }
}

}  // namespace

void fetch_files(Plan& plan, const ResolveOptions& options) {
  const Cache cache(options.cache_dir);
  std::map<std::string, Want> wants;
  std::vector<std::string> order;
  for (auto& p : plan.packages) {
    for (auto& f : p.files) {
      if (f.fetched) continue;
      auto [it, fresh] = wants.try_emplace(f.url);
      Want& w = it->second;
      if (fresh) {
        w.url = f.url;
        w.path = f.path;
        order.push_back(f.url);
      }
      if (f.hash.size() > w.hash.size()) w.hash = f.hash;
      w.refs.push_back(&f);
    }
  }
  // The cache first (files with a hash), then the rest at once.
  std::vector<std::string> todo;
  for (const auto& url : order) {
    Want& w = wants.at(url);
    if (is_http_url(url) && !w.hash.empty()) {
      if (auto data = cache.file(w.hash)) {
        w.data = std::move(*data);
        w.have = true;
        ++plan.cached;
        continue;
      }
    }
    todo.push_back(url);
  }
  Reader reader(options);
  std::vector<Fetched> results = reader.read_all(todo, options.progress);
  std::exception_ptr net_error;
  std::size_t from_cache = 0;
  for (std::size_t i = 0; i < todo.size(); ++i) {
    Want& w = wants.at(todo[i]);
    Fetched& f = results[i];
    if (f.ok()) {
      w.data = std::move(f.body);
      w.have = true;
      continue;
    }
    if (!f.error) {
      if (f.status == 404) throw MpyError(fmt::format("file not found: {}", w.url));
      throw MpyError(fmt::format("error {} requesting {}", f.status, w.url));
    }
    try {
      std::rethrow_exception(f.error);
    } catch (const ConnError&) {
      if (!is_http_url(w.url)) throw;
      // The network failed: the cache may hold this file anyway (a `urls` file by the sha256
      // of its last download).
      std::optional<std::string> data;
      if (w.hash.empty()) {
        if (auto sha = cache.stale(w.url)) data = cache.file(*sha);
      }
      if (!data) {
        if (!net_error) net_error = f.error;
        continue;
      }
      w.data = std::move(*data);
      w.have = true;
      ++from_cache;
      const std::string host = host_of(w.url);
      if (std::find(plan.unreachable.begin(), plan.unreachable.end(), host) ==
          plan.unreachable.end()) {
        plan.unreachable.push_back(host);
      }
    }
  }
  if (net_error) std::rethrow_exception(net_error);
  plan.cached += from_cache;
  if (from_cache > 0) {
    plan.notes.push_back(fmt::format("the network failed: {} file{} taken from the cache",
                                     from_cache, from_cache == 1 ? "" : "s"));
  }
  for (const auto& url : order) {
    Want& w = wants.at(url);
    const std::string sha = sha256_hex(w.data);
    check_hash(w, sha);
    if (is_http_url(url)) {
      cache.put_file(w.data);
      if (w.hash.empty()) cache.put_stale(url, sha);
    }
    for (FileRef* f : w.refs) {
      // A shorter hash of another FileRef of this URL is a prefix of the longest one or not.
      if (!f->hash.empty() && !sha.starts_with(f->hash)) {
        Want one = w;
        one.hash = f->hash;
        one.path = f->path;
        check_hash(one, sha);
      }
      f->data = w.data;
      f->sha256 = sha;
      f->fetched = true;
    }
  }
}

}  // namespace mpytool::mip
