// SPDX-License-Identifier: MIT
#include "mpytool/mip/manifest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::mip {
namespace {

bool is_hex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string str_field(const PyValue& obj, std::string_view key, const std::string& where) {
  const PyValue* v = obj.find(key);
  if (!v || v->is_none()) return {};
  if (!v->is_str()) throw MpyError(fmt::format("{}: '{}' is not a string", where, key));
  return v->as_str();
}

std::map<std::string, std::string> str_map(const PyValue& obj, std::string_view key,
                                           const std::string& where) {
  std::map<std::string, std::string> out;
  const PyValue* v = obj.find(key);
  if (!v || v->is_none()) return out;
  if (!v->is_dict()) throw MpyError(fmt::format("{}: '{}' is not an object", where, key));
  for (const auto& [k, val] : v->entries()) {
    if (!k.is_str() || !val.is_str()) {
      throw MpyError(fmt::format("{}: '{}' holds a value that is not a string", where, key));
    }
    out[k.as_str()] = val.as_str();
  }
  return out;
}

InstalledPackage parse_package(const std::string& name, const PyValue& v,
                               const std::string& where) {
  const std::string at = fmt::format("{}: package '{}'", where, name);
  if (!v.is_dict()) throw MpyError(at + " is not an object");
  InstalledPackage p;
  p.name = name;
  p.version = str_field(v, "version", at);
  p.source = str_field(v, "source", at);
  p.index = str_field(v, "index", at);
  if (const PyValue* r = v.find("requested"); r && !r->is_none()) p.requested = r->as_bool();
  if (const PyValue* d = v.find("deps"); d && !d->is_none()) {
    if (d->type() != PyValue::Type::kList) throw MpyError(at + ": 'deps' is not a list");
    for (const PyValue& dep : d->items()) p.deps.push_back(dep.as_str());
  }
  p.files = str_map(v, "files", at);
  for (const auto& [path, hash] : p.files) {
    if (!is_hex64(hash)) throw MpyError(fmt::format("{}: '{}' has no sha256", at, path));
  }
  p.urls = str_map(v, "urls", at);
  return p;
}

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& s : items) {
    if (out.size() > 1) out += ',';
    out += json_quote(s);
  }
  return out + "]";
}

std::string json_map(const std::map<std::string, std::string>& items) {
  std::string out = "{";
  for (const auto& [k, v] : items) {
    if (out.size() > 1) out += ',';
    out += json_quote(k) + ":" + json_quote(v);
  }
  return out + "}";
}

}  // namespace

Manifest Manifest::parse(std::string_view text, std::string_view where) {
  Manifest m;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return m;
  const std::string at = fmt::format("malformed manifest '{}'", where);
  try {
    const PyValue root = parse_json(text);
    if (!root.is_dict()) throw MpyError(at + ": not an object");
    if (const PyValue* v = root.find("v"); v && v->is_int() && v->as_int() != 1) {
      throw MpyError(fmt::format("{}: version {} (this mpytool reads 1)", at, v->as_int()));
    }
    const PyValue* pkgs = root.find("packages");
    if (!pkgs || pkgs->is_none()) return m;
    if (!pkgs->is_dict()) throw MpyError(at + ": 'packages' is not an object");
    for (const auto& [k, v] : pkgs->entries()) {
      if (!k.is_str()) throw MpyError(at + ": a package name is not a string");
      m.packages[k.as_str()] = parse_package(k.as_str(), v, at);
    }
  } catch (const MpyError& e) {
    const std::string msg = e.what();
    if (msg.rfind(at, 0) == 0) throw;
    throw MpyError(fmt::format("{}: {}", at, msg));
  }
  return m;
}

std::string Manifest::to_json() const {
  std::string out = R"({"v":1,"packages":{)";
  bool first = true;
  for (const auto& [name, p] : packages) {
    if (!first) out += ',';
    first = false;
    out += json_quote(name) + ":{";
    out += R"("version":)" + json_quote(p.version);
    out += R"(,"source":)" + json_quote(p.source);
    if (!p.index.empty()) out += R"(,"index":)" + json_quote(p.index);
    out += fmt::format(R"(,"requested":{})", p.requested ? "true" : "false");
    out += R"(,"deps":)" + json_list(p.deps);
    out += R"(,"files":)" + json_map(p.files);
    if (!p.urls.empty()) out += R"(,"urls":)" + json_map(p.urls);
    out += '}';
  }
  return out + "}}";
}

std::string Manifest::owner(const std::string& path) const {
  for (const auto& [name, p] : packages) {
    if (p.files.count(path)) return name;
  }
  return {};
}

InstalledPackage installed_from(const Package& package) {
  InstalledPackage p;
  p.name = package.name;
  p.version = package.version;
  p.source = package.source;
  p.index = package.index;
  p.requested = package.requested;
  p.deps = package.deps;
  for (const FileRef& f : package.files) {
    if (!is_hex64(f.sha256)) {
      throw MpyError(fmt::format("package {}: '{}' was not downloaded", package.name, f.path));
    }
    p.files[f.path] = f.sha256;
    if (!f.url.empty()) p.urls[f.path] = f.url;
  }
  return p;
}

Merge merge(const Manifest& old, const std::vector<InstalledPackage>& installed) {
  Merge r;
  r.manifest = old;
  std::set<std::string> dropped;  // files of replaced entries
  for (const InstalledPackage& p : installed) {
    InstalledPackage entry = p;
    if (auto it = r.manifest.packages.find(p.name); it != r.manifest.packages.end()) {
      const InstalledPackage& before = it->second;
      entry.requested = entry.requested || before.requested;
      if (before.version != p.version) {
        r.replaced.push_back(fmt::format("{} {} -> {}", p.name,
                                         before.version.empty() ? "?" : before.version,
                                         p.version.empty() ? "?" : p.version));
      }
      for (const auto& [path, hash] : before.files) {
        if (!p.files.count(path)) dropped.insert(path);
      }
    }
    r.manifest.packages[p.name] = std::move(entry);
  }
  for (const std::string& path : dropped) {
    if (r.manifest.owner(path).empty()) r.stale.push_back(path);
  }
  return r;
}

Removal remove_packages(const Manifest& manifest, const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    if (manifest.packages.count(n)) continue;
    std::string installed;
    for (const auto& [name, p] : manifest.packages) {
      installed += (installed.empty() ? "" : ", ") + name;
    }
    throw UsageError(
        fmt::format("package '{}' is not installed ({})", n,
                    installed.empty() ? "nothing is installed" : "installed: " + installed));
  }
  Removal r;
  r.manifest = manifest;
  const auto& all = manifest.packages;
  // The dependencies the named packages brought, transitively.
  std::set<std::string> brought;
  std::vector<std::string> todo(names.begin(), names.end());
  while (!todo.empty()) {
    const std::string n = todo.back();
    todo.pop_back();
    auto it = all.find(n);
    if (it == all.end()) continue;
    for (const std::string& d : it->second.deps) {
      if (all.count(d) && brought.insert(d).second) todo.push_back(d);
    }
  }
  const std::set<std::string> named(names.begin(), names.end());
  // What stays needed: every package that is neither named nor brought, the brought ones the
  // user asked for, and everything those depend on (a cycle among the brought ones is not a
  // reason to keep them).
  std::set<std::string> keep;
  for (const auto& [n, p] : all) {
    if (!named.count(n) && (!brought.count(n) || p.requested)) todo.push_back(n);
  }
  while (!todo.empty()) {
    const std::string n = todo.back();
    todo.pop_back();
    if (named.count(n) || !keep.insert(n).second) continue;
    for (const std::string& d : all.at(n).deps) {
      if (all.count(d)) todo.push_back(d);
    }
  }
  for (const std::string& n : names) {
    if (std::find(r.packages.begin(), r.packages.end(), n) == r.packages.end()) {
      r.packages.push_back(n);
    }
  }
  for (const std::string& n : brought) {
    if (!keep.count(n) && !named.count(n)) r.packages.push_back(n);
  }
  std::set<std::string> files;
  for (const std::string& n : r.packages) {
    for (const auto& [path, hash] : all.at(n).files) files.insert(path);
    r.manifest.packages.erase(n);
  }
  for (const std::string& f : files) {
    if (r.manifest.owner(f).empty()) r.files.push_back(f);
  }
  return r;
}

}  // namespace mpytool::mip
