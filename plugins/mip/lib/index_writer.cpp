// SPDX-License-Identifier: MIT
#include "mpytool/mip/index_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/mip/cache.hpp"
#include "mpytool/mip/lock.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::mip {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& data) {
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) throw MpyError(fmt::format("cannot write '{}'", tmp.string()));
  }
  fs::rename(tmp, p, ec);
  if (ec) throw MpyError(fmt::format("cannot write '{}': {}", p.string(), ec.message()));
}

// A version usable as a file name.
bool file_version(const std::string& v) {
  return !v.empty() && v != "latest" && v.find_first_of("/\\") == std::string::npos && v != "." &&
         v != "..";
}

}  // namespace

IndexWritten write_index(const Plan& plan, const std::string& dir) {
  IndexWritten w;
  const fs::path root(dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (!fs::is_directory(root, ec)) throw MpyError(fmt::format("cannot create '{}'", dir));

  // Files: file/HH/PREFIX, PREFIX the first 8 hex (longer when another file has it already).
  std::map<std::string, std::string> short_of;  // sha256: prefix
  for (const auto& p : plan.packages) {
    for (const auto& f : p.files) {
      if (!f.fetched || f.sha256.size() != 64) {
        throw MpyError(fmt::format("'{}' of {} was not downloaded", f.path, p.name));
      }
      if (short_of.count(f.sha256) != 0) continue;
      for (std::size_t len = 8; len <= 64; ++len) {
        const std::string h = f.sha256.substr(0, len);
        const fs::path fp = root / "file" / h.substr(0, 2) / h;
        bool taken = false;
        for (const auto& [other, s] : short_of) taken = taken || s == h;
        if (taken) continue;
        if (auto existing = read_file(fp)) {
          if (sha256_hex(*existing) != f.sha256) continue;
          ++w.files_present;
        } else {
          write_file(fp, f.data);
          ++w.files_written;
        }
        short_of[f.sha256] = h;
        break;
      }
    }
  }

  // package/{mpy}/NAME/{VER,latest}.json.
  std::map<std::string, std::string> version_of;
  for (const auto& p : plan.packages) version_of[p.name] = p.version;
  for (const auto& p : plan.packages) {
    std::string json = "{\"v\": 1, \"version\": " + json_quote(p.version) + ", \"hashes\": [";
    for (std::size_t i = 0; i < p.files.size(); ++i) {
      json += fmt::format("{}[{}, {}]", i == 0 ? "" : ", ", json_quote(p.files[i].path),
                          json_quote(short_of.at(p.files[i].sha256)));
    }
    json += "], \"deps\": [";
    for (std::size_t i = 0; i < p.deps.size(); ++i) {
      const std::string& v = version_of[p.deps[i]];
      json += fmt::format("{}[{}, {}]", i == 0 ? "" : ", ", json_quote(p.deps[i]),
                          json_quote(file_version(v) ? v : "latest"));
    }
    json += "]}\n";
    const fs::path pdir = root / "package" / plan.mpy / p.name;
    std::vector<std::string> names = {"latest"};
    if (file_version(p.version)) names.push_back(p.version);
    for (const auto& n : names) {
      write_file(pdir / (n + ".json"), json);
      w.package_jsons.push_back(fs::relative(pdir / (n + ".json"), root).generic_string());
    }
  }

  // index.json, merged with one already there (other packages, other mpy flavours kept).
  struct Entry {
    std::string version;
    std::map<std::string, std::vector<std::string>> versions;
  };
  std::map<std::string, Entry> entries;
  if (auto old = read_file(root / "index.json")) {
    try {
      const PyValue doc = parse_json(*old);
      if (const PyValue* pk = doc.is_dict() ? doc.find("packages") : nullptr;
          pk != nullptr && pk->is_sequence()) {
        for (const auto& e : pk->items()) {
          const PyValue* n = e.is_dict() ? e.find("name") : nullptr;
          if (n == nullptr || !n->is_str()) continue;
          Entry& en = entries[n->as_str()];
          if (const PyValue* v = e.find("version"); v != nullptr && v->is_str()) {
            en.version = v->as_str();
          }
          if (const PyValue* vs = e.find("versions"); vs != nullptr && vs->is_dict()) {
            for (const auto& [k, list] : vs->entries()) {
              if (!k.is_str() || !list.is_sequence()) continue;
              for (const auto& x : list.items()) {
                if (x.is_str()) en.versions[k.as_str()].push_back(x.as_str());
              }
            }
          }
        }
      }
    } catch (const MpyError&) {
      // An unreadable index.json is replaced.
    }
  }
  for (const auto& p : plan.packages) {
    Entry& en = entries[p.name];
    en.version = p.version;
    auto& list = en.versions[plan.mpy];
    if (file_version(p.version) && std::find(list.begin(), list.end(), p.version) == list.end()) {
      list.push_back(p.version);
    }
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::string index = fmt::format("{{\"v\": 2, \"updated\": {}, \"packages\": [", now);
  bool first = true;
  for (const auto& [name, en] : entries) {
    std::string versions;
    for (const auto& [mpy, list] : en.versions) {
      std::string l;
      for (const auto& v : list) l += (l.empty() ? "" : ", ") + json_quote(v);
      versions += fmt::format("{}{}: [{}]", versions.empty() ? "" : ", ", json_quote(mpy), l);
    }
    index += fmt::format(
        "{}\n  {{\"name\": {}, \"version\": {}, \"author\": \"\", \"description\": \"\", "
        "\"license\": \"\", \"versions\": {{{}}}, \"path\": \"\"}}",
        first ? "" : ",", json_quote(name), json_quote(en.version), versions);
    first = false;
  }
  index += "\n]}\n";
  write_file(root / "index.json", index);

  // mip.lock with the files' URLs inside the dir (relative: the dir may move).
  Plan local = plan;
  for (auto& p : local.packages) {
    for (auto& f : p.files) {
      const std::string& h = short_of.at(f.sha256);
      f.url = fmt::format("file/{}/{}", h.substr(0, 2), h);
    }
  }
  w.lock_path = (root / "mip.lock").string();
  write_file(root / "mip.lock", lock_json(local));
  return w;
}

}  // namespace mpytool::mip
