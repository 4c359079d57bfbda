// SPDX-License-Identifier: MIT
#include "package_json.hpp"

#include <fmt/format.h>

#include "mpytool/base/error.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::mip::detail {
namespace {

[[noreturn]] void malformed(const std::string& url, const std::string& why) {
  throw MpyError(fmt::format("malformed package JSON {}: {}", url, why));
}

std::vector<std::pair<std::string, std::string>> pairs(const PyValue& doc, const char* key,
                                                       const std::string& url) {
  std::vector<std::pair<std::string, std::string>> out;
  const PyValue* v = doc.find(key);
  if (v == nullptr || v->is_none()) return out;
  if (!v->is_sequence()) malformed(url, fmt::format("'{}' is not a list", key));
  std::size_t n = 0;
  for (const auto& item : v->items()) {
    ++n;
    if (!item.is_sequence() || item.size() != 2 || !item[0].is_str() || !item[1].is_str()) {
      malformed(url, fmt::format("'{}' entry {} is not a pair of strings", key, n));
    }
    out.emplace_back(item[0].as_str(), item[1].as_str());
  }
  return out;
}

}  // namespace

void check_target_path(const std::string& path, const std::string& url) {
  bool bad = path.empty() || path.front() == '/' || path.find('\\') != std::string::npos ||
             path.find('\0') != std::string::npos;
  std::size_t start = 0;
  while (!bad && start <= path.size()) {
    const auto end = path.find('/', start);
    const std::string seg =
        path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (seg.empty() || seg == "." || seg == "..") bad = true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (bad) malformed(url, fmt::format("bad file path '{}'", path));
}

PackageJson parse_package_json(const std::string& text, const std::string& url) {
  PyValue doc;
  try {
    doc = parse_json(text);
  } catch (const MpyError& e) {
    malformed(url, e.what());
  }
  if (!doc.is_dict()) malformed(url, "not a JSON object");
  PackageJson p;
  if (const PyValue* v = doc.find("version"); v != nullptr && !v->is_none()) {
    if (!v->is_str()) malformed(url, "'version' is not a string");
    p.version = v->as_str();
  }
  p.hashes = pairs(doc, "hashes", url);
  p.urls = pairs(doc, "urls", url);
  p.deps = pairs(doc, "deps", url);
  for (auto& [path, hash] : p.hashes) {
    check_target_path(path, url);
    for (auto& c : hash) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (hash.size() < 4 || hash.size() > 64 ||
        hash.find_first_not_of("0123456789abcdef") != std::string::npos) {
      malformed(url, fmt::format("bad hash '{}' for '{}'", hash, path));
    }
  }
  for (const auto& [path, u] : p.urls) {
    check_target_path(path, url);
    if (u.empty()) malformed(url, fmt::format("empty URL for '{}'", path));
  }
  for (const auto& [name, ver] : p.deps) {
    if (name.empty()) malformed(url, "a dep with an empty name");
  }
  return p;
}

}  // namespace mpytool::mip::detail
