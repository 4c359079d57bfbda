// SPDX-License-Identifier: MIT
#include "mpytool/firmware/image_choice.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

#include "mpytool/base/error.hpp"

namespace mpytool::firmware {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void add(std::vector<std::string>& keys, const std::string& k) {
  if (!k.empty() && std::find(keys.begin(), keys.end(), lower(k)) == keys.end()) {
    keys.push_back(lower(k));
  }
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_file_for(
    const std::vector<std::string>& words) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& w : words) {
    const auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == w.size()) {
      throw UsageError(fmt::format("--file-for: expected KEY=FILE, got '{}'", w),
                       "e.g. --file-for rp2=RPI_PICO.uf2 --file-for esp32=ESP32_GENERIC.bin");
    }
    pairs.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  return pairs;
}

std::vector<std::string> board_keys(const BoardProfile* profile,
                                    const std::vector<BoardProfile>& all,
                                    const std::string& platform) {
  std::vector<std::string> keys;
  std::string chip, profile_platform;
  for (const BoardProfile* p = profile; p != nullptr && keys.size() < 16;) {
    add(keys, p->id);
    if (chip.empty()) {
      if (auto it = p->settings.find("firmware.chip"); it != p->settings.end()) chip = it->second;
    }
    if (profile_platform.empty()) profile_platform = p->match_platform;
    p = p->extends.empty() ? nullptr : find_profile_by_id(all, p->extends);
  }
  add(keys, chip);
  add(keys, profile_platform);
  add(keys, platform);
  return keys;
}

std::string choose_file(const std::vector<std::pair<std::string, std::string>>& pairs,
                        const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    for (const auto& [key, file] : pairs) {
      if (lower(key) == k) return file;
    }
  }
  throw UsageError(
      fmt::format("--file-for: no file for this board (it is {})", fmt::join(keys, ", ")));
}

}  // namespace mpytool::firmware
