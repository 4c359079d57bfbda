// SPDX-License-Identifier: MIT
#include "mpytool/mip/cache.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mpytool/base/digest.hpp"
#include "mpytool/mip/plan.hpp"

namespace mpytool::mip {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

// Temp + rename, so a reader never sees half a file; failures are ignored (a cache that cannot
// be written is no cache).
void write_atomic(const fs::path& p, const std::string& data) {
  static std::atomic<unsigned> counter{0};
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  const fs::path tmp =
      p.parent_path() / fmt::format(".tmp-{}-{}", ::getpid(), counter.fetch_add(1));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, p, ec);
  if (ec) fs::remove(tmp, ec);
}

bool is_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

std::string sha256_hex(const std::string& data) {
  static const char* digits = "0123456789abcdef";
  const std::string raw = sha256(data);
  std::string out;
  out.reserve(64);
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

Cache::Cache(std::string dir) : dir_(dir.empty() ? default_cache_dir() : std::move(dir)) {
  if (dir_ == "-") dir_.clear();
}

std::optional<std::string> Cache::file(const std::string& hash) const {
  if (dir_.empty() || hash.size() < 4 || hash.size() > 64 || !is_hex(hash)) return std::nullopt;
  const fs::path sub = fs::path(dir_) / "files" / hash.substr(0, 2);
  std::error_code ec;
  fs::path found;
  if (hash.size() == 64) {
    found = sub / hash;
    if (!fs::is_regular_file(found, ec)) return std::nullopt;
  } else {
    int matches = 0;
    for (fs::directory_iterator it(sub, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.size() == 64 && name.starts_with(hash)) {
        found = it->path();
        ++matches;
      }
    }
    if (matches != 1) return std::nullopt;
  }
  auto data = read_file(found);
  if (!data || sha256_hex(*data) != found.filename().string()) return std::nullopt;
  return data;
}

std::string Cache::put_file(const std::string& data) const {
  const std::string h = sha256_hex(data);
  if (dir_.empty()) return h;
  const fs::path p = fs::path(dir_) / "files" / h.substr(0, 2) / h;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) write_atomic(p, data);
  return h;
}

std::optional<std::string> Cache::json(const std::string& url) const {
  if (dir_.empty()) return std::nullopt;
  return read_file(fs::path(dir_) / "json" / (sha256_hex(url) + ".json"));
}

void Cache::put_json(const std::string& url, const std::string& text) const {
  if (dir_.empty()) return;
  write_atomic(fs::path(dir_) / "json" / (sha256_hex(url) + ".json"), text);
}

std::optional<std::string> Cache::stale(const std::string& url) const {
  if (dir_.empty()) return std::nullopt;
  return read_file(fs::path(dir_) / "stale" / sha256_hex(url));
}

void Cache::put_stale(const std::string& url, const std::string& text) const {
  if (dir_.empty()) return;
  write_atomic(fs::path(dir_) / "stale" / sha256_hex(url), text);
}

}  // namespace mpytool::mip
