// SPDX-License-Identifier: MIT
#include "mpytool/uf2/bootsel_drive.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "mpytool/process/process.hpp"

namespace mpytool::uf2 {

namespace fs = std::filesystem;

namespace {

constexpr const char* kInfoFile = "INFO_UF2.TXT";

struct MountEntry {
  std::string device;
  fs::path dir;
  std::string type;
};

// /proc/self/mounts escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_field(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() &&
        std::all_of(s.begin() + i + 1, s.begin() + i + 4,
                    [](char c) { return c >= '0' && c <= '7'; })) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<MountEntry> read_mounts(const fs::path& file) {
  std::vector<MountEntry> out;
  if (file.empty()) return out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string dev, dir, type;
    if (!(fields >> dev >> dir >> type)) continue;
    out.push_back({unescape_mount_field(dev), unescape_mount_field(dir), type});
  }
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

fs::path canonical_or_same(const fs::path& p) {
  std::error_code ec;
  auto c = fs::canonical(p, ec);
  return ec ? p : c;
}

// A by-id entry of one serial number.
struct Entry {
  std::string name;
  fs::path path;
  bool partition = false;
};

// The drive mounted from \p device (a canonical path), or nullopt.
std::optional<Drive> mounted_drive(const std::vector<MountEntry>& mounts, const fs::path& device) {
  for (const auto& m : mounts) {
    if (m.device != device.string() && canonical_or_same(m.device) != device) continue;
    if (auto d = read_drive(m.dir)) return d;
  }
  return std::nullopt;
}

std::optional<Drive> mount_with_udisks(const fs::path& device) {
  const auto exe = find_executable("udisksctl");
  if (exe.empty()) return std::nullopt;
  auto r = run_process({exe.string(), "mount", "-b", device.string(), "--no-user-interaction"},
                       std::chrono::seconds(30));
  auto dir = udisks_mount_point(r.out);
  if (!dir) dir = udisks_mount_point(r.err);
  if (!dir) return std::nullopt;
  return read_drive(*dir);
}

}  // namespace

DriveSources DriveSources::from_environment() {
  DriveSources s;
  const char* by_id = std::getenv("MPYTOOL_DISK_BY_ID");
  s.by_id = (by_id && *by_id) ? fs::path(by_id) : fs::path("/dev/disk/by-id");
  s.mounts = "/proc/self/mounts";
  s.use_udisks = true;
  return s;
}

std::optional<Drive> read_drive(const fs::path& dir) {
  std::error_code ec;
  const auto info = dir / kInfoFile;
  if (!fs::is_regular_file(info, ec)) return std::nullopt;
  Drive d;
  d.dir = dir;
  std::ifstream in(info);
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto key = trim(std::string_view(line).substr(0, colon));
    auto value = trim(std::string_view(line).substr(colon + 1));
    if (iequal(key, "Model"))
      d.model = value;
    else if (iequal(key, "Board-ID"))
      d.board_id = value;
  }
  return d;
}

std::optional<std::string> serial_of_entry(std::string_view name) {
  static const std::regex re(R"(^usb-(.+)_([^_]+)-[0-9]+:[0-9]+(-part[0-9]+)?$)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(name.begin(), name.end(), m, re)) return std::nullopt;
  return m[2].str();
}

bool is_rp2_entry(std::string_view name) {
  return name.starts_with("usb-RPI_RP2_") || name.starts_with("usb-RPI_RP2350_");
}

std::optional<fs::path> udisks_mount_point(std::string_view text) {
  std::string_view rest;
  if (auto at = text.find("Mounted "); at != std::string_view::npos) {
    auto line = text.substr(at);
    line = line.substr(0, line.find('\n'));
    auto sep = line.find(" at ");
    if (sep == std::string_view::npos) return std::nullopt;
    auto dir = trim(line.substr(sep + 4));
    std::error_code ec;
    if (!dir.empty() && dir.back() == '.' && !fs::exists(dir, ec)) dir.pop_back();
    if (dir.empty()) return std::nullopt;
    return fs::path(dir);
  }
  if (auto at = text.find("mounted at `"); at != std::string_view::npos) {
    auto dir = text.substr(at + 12);
    auto end = dir.find('\'');
    if (end == std::string_view::npos || end == 0) return std::nullopt;
    return fs::path(dir.substr(0, end));
  }
  return std::nullopt;
}

std::vector<Drive> find_drives(const DriveSources& src) {
  std::vector<Drive> drives;
  std::set<fs::path> dirs;  // canonical directories already taken
  auto take = [&](Drive d) {
    if (!dirs.insert(canonical_or_same(d.dir)).second) return false;
    drives.push_back(std::move(d));
    return true;
  };
  const auto mounts = read_mounts(src.mounts);

  std::map<std::string, std::vector<Entry>> by_serial;
  std::error_code ec;
  if (!src.by_id.empty()) {
    for (fs::directory_iterator it(src.by_id, ec), end; !ec && it != end; it.increment(ec)) {
      auto name = it->path().filename().string();
      auto serial = serial_of_entry(name);
      if (!serial) continue;
      by_serial[*serial].push_back({name, it->path(), name.find("-part") != std::string::npos});
    }
  }
  for (auto& [serial, entries] : by_serial) {
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.partition != b.partition ? a.partition : a.name < b.name;
    });
    for (const auto& e : entries) {
      std::error_code rc;
      const auto target = fs::canonical(e.path, rc);
      if (rc) continue;
      std::optional<Drive> d;
      if (fs::is_directory(target, rc)) {
        d = read_drive(target);
      } else {
        d = mounted_drive(mounts, target);
        if (!d && src.use_udisks && is_rp2_entry(e.name)) d = mount_with_udisks(target);
        if (d) d->device = target.string();
      }
      if (!d) continue;
      d->serial = serial;
      if (take(std::move(*d))) break;
    }
  }

  for (const auto& m : mounts) {
    if (m.type != "vfat" && m.type != "msdos") continue;
    auto d = read_drive(m.dir);
    if (!d) continue;
    std::error_code rc;
    if (m.device.starts_with('/') && fs::exists(m.device, rc)) d->device = m.device;
    take(std::move(*d));
  }
  return drives;
}

const Drive* drive_for_serial(const std::vector<Drive>& drives, std::string_view serial) {
  if (serial.empty()) return nullptr;
  for (const auto& d : drives)
    if (iequal(d.serial, serial)) return &d;
  return nullptr;
}

bool drive_present(const Drive& d) {
  std::error_code ec;
  if (!fs::exists(d.dir / kInfoFile, ec)) return false;
  return d.device.empty() || fs::exists(d.device, ec);
}

bool wait_drive_gone(const Drive& d, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (drive_present(d)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

std::string describe_drive(const Drive& d) {
  const auto label = d.board_id.empty() ? d.dir.filename().string() : d.board_id;
  if (!d.serial.empty()) return fmt::format("the drive {} (serial {})", label, d.serial);
  return fmt::format("the drive {} at {}", label, d.dir.string());
}

}  // namespace mpytool::uf2
