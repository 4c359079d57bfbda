// SPDX-License-Identifier: MIT
// Board profiles: yaml-cpp -> BoardProfile with strict validation, the profile search path and
// matching (profiles/README.md documents the keys).
#include "mpytool/board_profile.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <set>
#include <system_error>
#include <utility>

#include "mpytool/error.hpp"
#include "mpytool/reset_sequence.hpp"
#include "search_path.hpp"

#ifndef MPYTOOL_INSTALL_DATA_DIR
#define MPYTOOL_INSTALL_DATA_DIR "/usr/local/share/mpytool"
#endif

namespace mpytool {
namespace {

namespace fs = std::filesystem;

/// The `*.yaml` / `*.yml` files of \p dir in name order (none when it cannot be read).
std::vector<fs::path> profile_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& f = entry.path();
    if ((f.extension() == ".yaml" || f.extension() == ".yml") && entry.is_regular_file(ec)) {
      files.push_back(f);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// Reads one file; every error names the file and the dotted key.
class ProfileReader {
 public:
  ProfileReader(fs::path file, std::vector<fs::path> dirs)
      : file_(std::move(file)), dirs_(std::move(dirs)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw UsageError(fmt::format("profile '{}': {}: {}", file_.string(), key, problem));
  }

  /// What a node is, for "expected X, got Y" messages.
  static std::string describe(const YAML::Node& node) {
    if (node.IsMap()) return "a mapping";
    if (node.IsSequence()) return "a list";
    if (node.IsNull()) return "nothing";
    return "'" + node.Scalar() + "'";
  }

  /// Checks that \p node is a mapping whose keys are all in \p allowed.
  void expect_map(const YAML::Node& node, const std::string& key,
                  std::initializer_list<std::string_view> allowed) const {
    if (!node.IsMap()) fail(key, "expected a mapping, got " + describe(node));
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) fail(key, "keys must be plain words");
      const std::string& name = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        fail(key.empty() ? name : key + "." + name, "unknown key");
      }
    }
  }

  std::string string(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) fail(key, "expected a string, got " + describe(node));
    return node.Scalar();
  }

  int integer(const YAML::Node& node, const std::string& key, int min, int max) const {
    if (!node.IsScalar()) fail(key, "expected an integer, got " + describe(node));
    const std::string& text = node.Scalar();
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      fail(key, "expected an integer, got '" + text + "'");
    }
    if (value < min || value > max) {
      fail(key, fmt::format("{} is out of range {}..{}", value, min, max));
    }
    return value;
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& key) const {
    if (!node.IsSequence()) fail(key, "expected a list, got " + describe(node));
    std::vector<std::string> out;
    for (const auto& item : node) out.push_back(string(item, key));
    return out;
  }

  /// One of \p choices (word -> value); the message lists the words.
  template <typename E>
  E choice(const YAML::Node& node, const std::string& key,
           std::initializer_list<std::pair<std::string_view, E>> choices) const {
    std::string word = string(node, key);
    std::vector<std::string_view> words;
    for (const auto& [w, value] : choices) {
      if (w == word) return value;
      words.push_back(w);
    }
    fail(key, fmt::format("expected one of {}, got '{}'", fmt::join(words, ", "), word));
  }

  /// A reset sequence in esptool's grammar, or nullopt when \p node is one of the \p presets.
  std::optional<ResetSequence> sequence(const YAML::Node& node, const std::string& key,
                                        std::initializer_list<std::string_view> presets) const {
    const std::string text = string(node, key);
    for (std::string_view w : presets) {
      if (w == text) return std::nullopt;
    }
    try {
      return parse_reset_sequence(text);
    } catch (const ResetSequenceError& e) {
      const YAML::Mark m = node.Mark();
      fail(key,
           fmt::format("line {}, column {}: expected {} or a reset sequence "
                       "(D0|R1|W0.1|R0): {} (at character {})",
                       m.line + 1, m.column + 1, fmt::join(presets, ", "), e.what(), e.column()));
    }
  }

  YAML::Node load(const fs::path& file) const {
    try {
      return YAML::LoadFile(file.string());
    } catch (const YAML::BadFile&) {
      throw UsageError(fmt::format("profile '{}': cannot read the file", file.string()));
    } catch (const YAML::ParserException& e) {
      throw UsageError(fmt::format("profile '{}': invalid YAML at line {}, column {}: {}",
                                   file.string(), e.mark.line + 1, e.mark.column + 1, e.msg));
    }
  }

  /// Child keys override the base's; mappings merge key by key, lists and scalars replace.
  static YAML::Node merge(const YAML::Node& base, const YAML::Node& over) {
    if (!base.IsMap() || !over.IsMap()) return YAML::Clone(over);
    YAML::Node out = YAML::Clone(base);
    for (const auto& kv : over) {
      const std::string key = kv.first.Scalar();
      out[key] = base[key] ? merge(base[key], kv.second) : YAML::Clone(kv.second);
    }
    return out;
  }

  /// The YAML of profile \p id in the search directories, its own `extends` resolved.
  YAML::Node base_node(const std::string& id, std::vector<std::string>& chain) const {
    if (std::find(chain.begin(), chain.end(), id) != chain.end() || chain.size() > 8) {
      fail("extends", fmt::format("circular: {} -> {}", fmt::join(chain, " -> "), id));
    }
    chain.push_back(id);
    for (const auto& dir : dirs_) {
      for (const auto& f : profile_files(dir)) {
        std::error_code ec;
        if (fs::equivalent(f, file_, ec)) continue;
        YAML::Node n = load(f);
        if (!n.IsMap() || !n["id"] || !n["id"].IsScalar() || n["id"].Scalar() != id) continue;
        return resolve(n, chain);
      }
    }
    fail("extends", fmt::format("no profile '{}' in the search path", id));
  }

  YAML::Node resolve(YAML::Node node, std::vector<std::string>& chain) const {
    if (!node.IsMap() || !node["extends"]) return node;
    const std::string id = string(node["extends"], "extends");
    YAML::Node over = YAML::Clone(node);
    over.remove("extends");
    return merge(base_node(id, chain), over);
  }

  BoardProfile read() const {
    YAML::Node root = load(file_);
    std::string extends;
    if (root.IsMap() && root["extends"]) {
      extends = string(root["extends"], "extends");
      std::vector<std::string> chain;
      if (root["id"] && root["id"].IsScalar()) chain.push_back(root["id"].Scalar());
      root = resolve(root, chain);
    }
    if (!root.IsMap()) fail("(top level)", "expected a mapping, got " + describe(root));
    expect_map(
        root, "",
        {"id", "description", "match", "capabilities", "repl", "transfer", "reset", "flash"});

    BoardProfile p;
    p.path = file_;
    p.extends = extends;
    if (!root["id"]) fail("id", "missing");
    p.id = string(root["id"], "id");
    if (p.id.empty()) fail("id", "must not be empty");
    if (auto n = root["description"]) p.description = string(n, "description");

    if (auto m = root["match"]) {
      expect_map(m, "match", {"platform", "machine_contains", "usb"});
      if (!m["platform"]) fail("match.platform", "missing");
      p.match_platform = string(m["platform"], "match.platform");
      if (auto n = m["machine_contains"]) {
        p.match_machine_contains = string(n, "match.machine_contains");
      }
      if (auto n = m["usb"]) {
        for (std::string id : strings(n, "match.usb")) {
          std::transform(id.begin(), id.end(), id.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          bool ok = id.size() == 9 && id[4] == ':';
          for (std::size_t i = 0; ok && i < id.size(); ++i) {
            ok = i == 4 || std::isxdigit(static_cast<unsigned char>(id[i]));
          }
          if (!ok) fail("match.usb", "expected \"vvvv:pppp\" (hex), got '" + id + "'");
          p.match_usb.push_back(id);
        }
      }
    }
    if (auto n = root["capabilities"]) p.capabilities = strings(n, "capabilities");

    if (auto r = root["repl"]) {
      expect_map(r, "repl", {"raw_paste"});
      if (auto n = r["raw_paste"]) {
        p.raw_paste = choice<RawPasteMode>(n, "repl.raw_paste",
                                           {{"auto", RawPasteMode::kAuto},
                                            {"yes", RawPasteMode::kYes},
                                            {"no", RawPasteMode::kNo}});
      }
    }
    if (auto t = root["transfer"]) {
      expect_map(t, "transfer", {"chunk_size", "stdin_buffer"});
      // The same range as -c/--chunk-size.
      if (auto n = t["chunk_size"]) p.chunk_size = integer(n, "transfer.chunk_size", 64, 131072);
      if (auto n = t["stdin_buffer"]) {
        p.stdin_buffer = integer(n, "transfer.stdin_buffer", 1, 1 << 20);
      }
    }
    if (auto r = root["reset"]) {
      expect_map(r, "reset", {"hard", "bootloader"});
      if (auto n = r["hard"]) {
        if (auto seq = sequence(n, "reset.hard", {"rts", "none"})) {
          p.hard_reset_sequence = std::move(seq);
        } else {
          p.hard_reset = choice<HardReset>(n, "reset.hard",
                                           {{"rts", HardReset::kRts}, {"none", HardReset::kNone}});
        }
      }
      if (auto n = r["bootloader"]) {
        if (auto seq = sequence(n, "reset.bootloader", {"dtr-rts", "machine", "none"})) {
          p.bootloader_sequence = std::move(seq);
        } else {
          p.bootloader_reset = choice<BootloaderReset>(n, "reset.bootloader",
                                                       {{"dtr-rts", BootloaderReset::kDtrRts},
                                                        {"machine", BootloaderReset::kMachine},
                                                        {"none", BootloaderReset::kNone}});
        }
      }
    }
    if (auto f = root["flash"]) {
      expect_map(f, "flash", {"layout"});
      if (auto n = f["layout"]; n && n.IsSequence()) {
        p.flash_layout = FlashLayout::kPartitions;
        for (std::size_t i = 0; i < n.size(); ++i) p.flash_table.push_back(partition(n[i], i));
      } else if (n) {
        p.flash_layout = choice<FlashLayout>(n, "flash.layout",
                                             {{"partitions", FlashLayout::kPartitions},
                                              {"user-flash", FlashLayout::kUserFlash},
                                              {"none", FlashLayout::kNone}});
      }
    }
    return p;
  }

 private:
  // One `flash.layout` entry: {label, type: app|data|N, subtype: name|N, offset, size}.
  ProfilePartition partition(const YAML::Node& n, std::size_t i) const {
    const std::string key = fmt::format("flash.layout[{}]", i);
    expect_map(n, key, {"label", "type", "subtype", "offset", "size"});
    ProfilePartition e;
    auto number = [&](const char* name, bool required) -> std::uint32_t {
      const YAML::Node v = n[name];
      if (!v) {
        if (required) fail(key + "." + name, "missing");
        return 0;
      }
      try {
        return v.as<std::uint32_t>();
      } catch (const YAML::Exception&) {
        fail(key + "." + name, "expected a number, got " + describe(v));
      }
    };
    if (!n["label"] || !n["label"].IsScalar()) fail(key + ".label", "missing");
    e.label = n["label"].Scalar();
    const std::string type = n["type"] ? n["type"].Scalar() : "";
    if (type == "app") {
      e.type = 0;
    } else if (type == "data") {
      e.type = 1;
    } else {
      e.type = static_cast<int>(number("type", true));
    }
    static const std::pair<const char*, int> kSub[] = {
        {"factory", 0},  {"ota_0", 16}, {"ota_1", 17}, {"ota_2", 18},   {"ota_3", 19},
        {"test", 32},    {"ota", 0},    {"phy", 1},    {"nvs", 2},      {"coredump", 3},
        {"nvs_keys", 4}, {"efuse", 5},  {"fat", 129},  {"spiffs", 130}, {"littlefs", 131}};
    const std::string sub = n["subtype"] ? n["subtype"].Scalar() : "";
    bool named = false;
    for (const auto& [name, value] : kSub) {
      const std::string_view nm(name);
      const bool app_name = nm == "factory" || nm == "test" || nm.starts_with("ota_");
      if (sub == name && (e.type == 0) == app_name) {
        e.subtype = value;
        named = true;
      }
    }
    if (!named) e.subtype = static_cast<int>(number("subtype", true));
    e.offset = number("offset", true);
    e.size = number("size", true);
    return e;
  }

  fs::path file_;
  std::vector<fs::path> dirs_;
};

}  // namespace

BoardProfile load_profile(const fs::path& file, const std::vector<fs::path>& dirs) {
  return ProfileReader(file, dirs).read();
}

std::vector<fs::path> profile_search_path(const std::vector<std::string>& explicit_dirs,
                                          bool include_defaults) {
  std::vector<fs::path> dirs;
  for (const auto& d : explicit_dirs) detail::add_search_dir(dirs, d);
  if (!include_defaults) return dirs;

  // A project's own boards, next to its code.
  detail::add_search_dir(dirs, fs::path(".mpytool") / "profiles");
  detail::add_env_search_dirs(dirs, "MPYTOOL_PROFILE_PATH");
  if (const char* home = std::getenv("HOME"); home && *home) {
    detail::add_search_dir(dirs, fs::path(home) / ".config" / "mpytool" / "profiles");
  }
  detail::add_exe_relative_dir(dirs, fs::path("share") / "mpytool" / "profiles");
  detail::add_search_dir(dirs, fs::path(MPYTOOL_INSTALL_DATA_DIR) / "profiles");
  return dirs;
}

std::vector<BoardProfile> find_profiles(const std::vector<fs::path>& dirs) {
  std::vector<BoardProfile> profiles;
  std::set<std::string> ids;
  for (const auto& dir : dirs) {
    for (const auto& f : profile_files(dir)) {
      BoardProfile p = load_profile(f, dirs);
      if (ids.insert(p.id).second) profiles.push_back(std::move(p));
    }
  }
  return profiles;
}

const BoardProfile* find_profile_by_id(const std::vector<BoardProfile>& profiles,
                                       std::string_view id) {
  for (const auto& p : profiles) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const BoardProfile* match_profile(const std::vector<BoardProfile>& profiles,
                                  std::string_view platform, std::string_view machine,
                                  std::string_view usb) {
  const BoardProfile* best = nullptr;
  int best_score = -1;
  for (const auto& p : profiles) {
    if (p.match_platform.empty() || p.match_platform != platform) continue;
    int score = 0;
    if (p.match_machine_contains) {
      if (machine.find(*p.match_machine_contains) == std::string_view::npos) continue;
      ++score;
    }
    if (!p.match_usb.empty() && !usb.empty()) {
      if (std::find(p.match_usb.begin(), p.match_usb.end(), usb) == p.match_usb.end()) continue;
      ++score;
    }
    if (score > best_score) {
      best = &p;
      best_score = score;
    }
  }
  return best ? best : find_profile_by_id(profiles, "generic");
}

}  // namespace mpytool
