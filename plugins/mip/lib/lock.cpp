// SPDX-License-Identifier: MIT
#include "mpytool/mip/lock.hpp"

#include <fmt/format.h>

#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/mip/spec.hpp"
#include "mpytool/repl/py_value.hpp"
#include "package_json.hpp"

namespace mpytool::mip {
namespace {

[[noreturn]] void malformed(const std::string& why) {
  throw MpyError(fmt::format("malformed lock file: {}", why));
}

const std::string& str_field(const PyValue& obj, const char* key, const std::string& where,
                             bool required = true) {
  static const std::string empty;
  const PyValue* v = obj.find(key);
  if (v == nullptr || v->is_none()) {
    if (required) malformed(fmt::format("{}: no '{}'", where, key));
    return empty;
  }
  if (!v->is_str()) malformed(fmt::format("{}: '{}' is not a string", where, key));
  return v->as_str();
}

}  // namespace

std::string lock_json(const Plan& plan) {
  std::string out =
      fmt::format("{{\n  \"v\": 1,\n  \"mpy\": {},\n  \"packages\": [", json_quote(plan.mpy));
  bool first = true;
  for (const auto& p : plan.packages) {
    out += first ? "\n" : ",\n";
    first = false;
    out += fmt::format("    {{\n      \"name\": {},\n      \"version\": {},\n", json_quote(p.name),
                       json_quote(p.version));
    out += fmt::format("      \"source\": {},\n      \"index\": {},\n", json_quote(p.source),
                       p.index.empty() ? std::string("null") : json_quote(p.index));
    out +=
        fmt::format("      \"requested\": {},\n      \"deps\": [", p.requested ? "true" : "false");
    for (std::size_t i = 0; i < p.deps.size(); ++i) {
      out += (i == 0 ? "" : ", ") + json_quote(p.deps[i]);
    }
    out += "],\n      \"files\": [";
    for (std::size_t i = 0; i < p.files.size(); ++i) {
      const FileRef& f = p.files[i];
      if (f.sha256.size() != 64) {
        throw MpyError(fmt::format("lock file: '{}' of {} was not downloaded", f.path, p.name));
      }
      out += fmt::format("{}\n        {{\"path\": {}, \"sha256\": {}, \"url\": {}}}",
                         i == 0 ? "" : ",", json_quote(f.path), json_quote(f.sha256),
                         json_quote(f.url));
    }
    out += p.files.empty() ? "]\n    }" : "\n      ]\n    }";
  }
  out += plan.packages.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

bool is_lock(const std::string& text) {
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos || text[start] != '{') return false;
  try {
    const PyValue doc = parse_json(text);
    return doc.is_dict() && doc.find("packages") != nullptr;
  } catch (const MpyError&) {
    return false;
  }
}

Plan resolve_lock(const std::string& lock_text, const ResolveOptions& options,
                  const std::string& base) {
  PyValue doc;
  try {
    doc = parse_json(lock_text);
  } catch (const MpyError& e) {
    malformed(e.what());
  }
  if (!doc.is_dict()) malformed("not a JSON object");
  Plan plan;
  plan.mpy = options.mpy;
  if (const PyValue* v = doc.find("v"); v != nullptr && (!v->is_int() || v->as_int() != 1)) {
    malformed("unknown version (expected \"v\": 1)");
  }
  if (const PyValue* m = doc.find("mpy"); m != nullptr && m->is_str()) plan.mpy = m->as_str();
  const PyValue* pkgs = doc.find("packages");
  if (pkgs == nullptr || !pkgs->is_sequence()) malformed("'packages' is not a list");
  std::size_t n = 0;
  for (const auto& item : pkgs->items()) {
    ++n;
    const std::string where = fmt::format("package {}", n);
    if (!item.is_dict()) malformed(where + " is not an object");
    Package p;
    p.name = str_field(item, "name", where);
    p.version = str_field(item, "version", where, false);
    p.source = str_field(item, "source", where, false);
    p.index = str_field(item, "index", where, false);
    p.kind = p.index.empty() ? Source::kPackageJson : Source::kIndex;
    if (const PyValue* r = item.find("requested");
        r != nullptr && r->type() == PyValue::Type::kBool) {
      p.requested = r->as_bool();
    }
    if (const PyValue* d = item.find("deps"); d != nullptr && !d->is_none()) {
      if (!d->is_sequence()) malformed(where + ": 'deps' is not a list");
      for (const auto& x : d->items()) {
        if (!x.is_str()) malformed(where + ": a dep is not a string");
        p.deps.push_back(x.as_str());
      }
    }
    const PyValue* files = item.find("files");
    if (files == nullptr || !files->is_sequence()) malformed(where + ": 'files' is not a list");
    for (const auto& f : files->items()) {
      if (!f.is_dict()) malformed(where + ": a file is not an object");
      FileRef r;
      r.path = str_field(f, "path", where);
      detail::check_target_path(r.path, "in the lock file");
      r.hash = str_field(f, "sha256", where);
      if (r.hash.size() != 64 ||
          r.hash.find_first_not_of("0123456789abcdef") != std::string::npos) {
        malformed(fmt::format("{}: bad sha256 for '{}'", where, r.path));
      }
      const std::string& url = str_field(f, "url", where);
      r.url = base.empty() ? url : join_location(base, url);
      p.files.push_back(std::move(r));
    }
    // A single .py/.mpy URL package records its file's URL as its source.
    if (p.index.empty() && p.files.size() == 1 && p.files[0].url == p.source &&
        !p.source.ends_with(".json")) {
      p.kind = Source::kFile;
    }
    if (p.requested) plan.requested.push_back(p.name);
    plan.packages.push_back(std::move(p));
  }
  return plan;
}

std::vector<std::string> read_requirements(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    // A comment starts at a '#' that begins the line or follows a blank.
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        line.resize(i);
        break;
      }
    }
    const auto a = line.find_first_not_of(" \t\r");
    if (a != std::string::npos) {
      const auto b = line.find_last_not_of(" \t\r");
      out.push_back(line.substr(a, b - a + 1));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace mpytool::mip
