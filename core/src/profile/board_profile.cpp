// SPDX-License-Identifier: MIT
// Board profiles: yaml-cpp -> BoardProfile with strict validation, the profile search path and
// matching (profiles/README.md documents the keys).
#include "mpytool/profile/board_profile.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <regex>
#include <set>
#include <system_error>
#include <utility>

#include "mpytool/base/error.hpp"
#include "mpytool/base/search_path.hpp"
#include "mpytool/link/reset_sequence.hpp"

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

/// The top-level keys core reads; other sections belong to plugins (BoardProfile::settings).
const std::set<std::string, std::less<>> kCoreKeys = {
    "id",   "description", "extends", "match", "capabilities",
    "repl", "transfer",    "reset",   "flash", "fs"};

/// Reads one file; every error names the file and the dotted key.
class ProfileReader {
 public:
  ProfileReader(fs::path file, std::vector<fs::path> dirs)
      : file_(std::move(file)), dirs_(std::move(dirs)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw UsageError(fmt::format("profile '{}'{}: {}: {}", file_.string(), where_, key, problem));
  }

  /// Errors until the next at() name the line and column of \p node (when it has one).
  const ProfileReader& at(const YAML::Node& node) const {
    const YAML::Mark m = node.Mark();
    where_ = m.line >= 0 ? fmt::format(" (line {}, column {})", m.line + 1, m.column + 1) : "";
    return *this;
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
    if (!node.IsMap()) at(node).fail(key, "expected a mapping, got " + describe(node));
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) at(kv.first).fail(key, "keys must be plain words");
      const std::string& name = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        at(kv.first).fail(key.empty() ? name : key + "." + name, "unknown key");
      }
    }
  }

  std::string string(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) at(node).fail(key, "expected a string, got " + describe(node));
    return node.Scalar();
  }

  int integer(const YAML::Node& node, const std::string& key, int min, int max) const {
    if (!node.IsScalar()) at(node).fail(key, "expected an integer, got " + describe(node));
    const std::string& text = node.Scalar();
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      at(node).fail(key, "expected an integer, got '" + text + "'");
    }
    if (value < min || value > max) {
      at(node).fail(key, fmt::format("{} is out of range {}..{}", value, min, max));
    }
    return value;
  }

  /// A number of seconds in 0..\p max.
  double seconds(const YAML::Node& node, const std::string& key, double max) const {
    if (!node.IsScalar()) at(node).fail(key, "expected seconds, got " + describe(node));
    try {
      const double v = node.as<double>();
      if (v < 0 || v > max) at(node).fail(key, fmt::format("{} is out of range 0..{}", v, max));
      return v;
    } catch (const YAML::Exception&) {
      at(node).fail(key, "expected seconds, got '" + node.Scalar() + "'");
    }
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& key) const {
    if (!node.IsSequence()) at(node).fail(key, "expected a list, got " + describe(node));
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
    at(node).fail(key, fmt::format("expected one of {}, got '{}'", fmt::join(words, ", "), word));
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
      at(node).fail(key, fmt::format("expected {} or a reset sequence (D0|R1|W0.1|R0): {} (at "
                                     "character {})",
                                     fmt::join(presets, ", "), e.what(), e.column()));
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
  /// The result shares the nodes of both (YAML::Clone would drop their line and column), and
  /// leaves out the child's own top-level `extends`.
  static YAML::Node merge(const YAML::Node& base, const YAML::Node& over, bool top = false) {
    if (!base.IsMap() || !over.IsMap()) return over;
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& kv : base) {
      const std::string& key = kv.first.Scalar();
      if (!over[key]) out[kv.first] = kv.second;
    }
    for (const auto& kv : over) {
      const std::string& key = kv.first.Scalar();
      if (top && key == "extends") continue;
      out[kv.first] = base[key] ? merge(base[key], kv.second) : kv.second;
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
        // The base on its own first, so that its errors name its own file and line.
        ProfileReader(f, dirs_).read(chain);
        return resolve(n, chain);
      }
    }
    fail("extends", fmt::format("no profile '{}' in the search path", id));
  }

  YAML::Node resolve(YAML::Node node, std::vector<std::string>& chain) const {
    if (!node.IsMap() || !node["extends"]) return node;
    const std::string id = string(node["extends"], "extends");
    return merge(base_node(id, chain), node, true);
  }

  /// \p chain: the ids of the profiles that extend this one (cycle check).
  BoardProfile read(std::vector<std::string> chain = {}) const {
    BoardProfile p;
    p.path = file_;
    const YAML::Node root = resolved_root(chain, p.extends);
    if (!root["id"]) at(root).fail("id", "missing");
    p.id = string(root["id"], "id");
    if (p.id.empty()) at(root["id"]).fail("id", "must not be empty");
    if (auto n = root["description"]) p.description = string(n, "description");
    if (auto m = root["match"]) read_match(m, p);
    if (auto n = root["capabilities"]) p.capabilities = strings(n, "capabilities");
    if (auto r = root["repl"]) read_repl(r, p);
    if (auto t = root["transfer"]) read_transfer(t, p);
    if (auto r = root["reset"]) read_reset(r, p);
    if (auto f = root["fs"]) read_fs(f, p);
    if (auto f = root["flash"]) read_flash(f, p);
    for (const auto& kv : root) {
      if (!kv.first.IsScalar()) at(kv.first).fail("(top level)", "keys must be plain words");
      if (!kCoreKeys.contains(kv.first.Scalar())) read_section(kv.second, kv.first.Scalar(), p);
    }
    return p;
  }

 private:
  /// The file's top-level mapping with its `extends` chain merged in (\p extends: the id it
  /// names, "" none), its keys checked.
  YAML::Node resolved_root(std::vector<std::string>& chain, std::string& extends) const {
    YAML::Node root = load(file_);
    if (root.IsMap() && root["extends"]) {
      extends = string(root["extends"], "extends");
      if (chain.empty() && root["id"] && root["id"].IsScalar()) {
        chain.push_back(root["id"].Scalar());
      }
      root = resolve(root, chain);
    }
    if (!root.IsMap()) at(root).fail("(top level)", "expected a mapping, got " + describe(root));
    return root;
  }

  /// `match`: platform, machine, USB identity.
  void read_match(const YAML::Node& m, BoardProfile& p) const {
    expect_map(m, "match",
               {"platform", "machine_contains", "machine", "usb", "usb_serial", "usb_product"});
    if (!m["platform"] && !m["usb"] && !m["usb_serial"] && !m["usb_product"]) {
      at(m).fail("match.platform", "missing (a match needs a platform or a USB condition)");
    }
    if (auto n = m["platform"]) p.match_platform = string(n, "match.platform");
    if (auto n = m["machine_contains"]) {
      p.match_machine_contains = string(n, "match.machine_contains");
    }
    if (auto n = m["machine"]) {
      p.match_machine = string(n, "match.machine");
      try {
        std::regex check(*p.match_machine);
      } catch (const std::regex_error& e) {
        at(n).fail("match.machine", fmt::format("not a regular expression: {}", e.what()));
      }
    }
    if (auto n = m["usb_serial"]) p.match_usb_serial = strings(n, "match.usb_serial");
    if (auto n = m["usb_product"]) p.match_usb_product = string(n, "match.usb_product");
    if (auto n = m["usb"]) {
      for (std::string id : strings(n, "match.usb")) {
        std::transform(id.begin(), id.end(), id.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        bool ok = id.size() == 9 && id[4] == ':';
        for (std::size_t i = 0; ok && i < id.size(); ++i) {
          ok = i == 4 || std::isxdigit(static_cast<unsigned char>(id[i]));
        }
        if (!ok) at(n).fail("match.usb", "expected \"vvvv:pppp\" (hex), got '" + id + "'");
        p.match_usb.push_back(id);
      }
    }
  }

  /// `repl`: raw-paste and the entry delay.
  void read_repl(const YAML::Node& r, BoardProfile& p) const {
    expect_map(r, "repl", {"raw_paste", "entry_delay"});
    if (auto n = r["entry_delay"]) p.entry_delay = seconds(n, "repl.entry_delay", 10.0);
    if (auto n = r["raw_paste"]) {
      p.raw_paste = choice<RawPasteMode>(
          n, "repl.raw_paste",
          {{"auto", RawPasteMode::kAuto}, {"yes", RawPasteMode::kYes}, {"no", RawPasteMode::kNo}});
    }
  }

  /// `transfer`: chunk size, stdin buffer, window, path, compression.
  void read_transfer(const YAML::Node& t, BoardProfile& p) const {
    expect_map(t, "transfer", {"chunk_size", "stdin_buffer", "window", "path", "compress"});
    if (auto n = t["window"]) p.window = integer(n, "transfer.window", 16, 1 << 20);
    if (auto n = t["path"]) {
      p.transfer_path = choice<std::string>(
          n, "transfer.path", {{"auto", "auto"}, {"stream", "stream"}, {"text", "text"}});
    }
    if (auto n = t["compress"]) {
      p.compress = choice<std::optional<bool>>(
          n, "transfer.compress",
          {{"auto", std::nullopt}, {"yes", true}, {"no", false}, {"true", true}, {"false", false}});
    }
    // The same range as -c/--chunk-size.
    if (auto n = t["chunk_size"]) p.chunk_size = integer(n, "transfer.chunk_size", 64, 131072);
    if (auto n = t["stdin_buffer"]) {
      p.stdin_buffer = integer(n, "transfer.stdin_buffer", 1, 1 << 20);
    }
  }

  /// `reset`: the hard and bootloader resets (a preset or a sequence).
  void read_reset(const YAML::Node& r, BoardProfile& p) const {
    expect_map(r, "reset", {"hard", "bootloader"});
    if (auto n = r["hard"]) {
      if (auto seq = sequence(n, "reset.hard", {"rts", "none"})) {
        p.hard_reset_sequence = std::move(seq);
      } else {
        p.hard_reset = choice<HardReset>(n, "reset.hard",
                                         {{"rts", HardReset::kRts}, {"none", HardReset::kNone}});
      }
    }
    if (auto n = r["bootloader"]; n && n.IsSequence()) {
      for (const auto& item : n) {
        auto seq = bootloader_sequence(item);
        if (!seq) at(item).fail("reset.bootloader", "a list holds sequences, not the words");
        p.bootloader_sequences.push_back(std::move(*seq));
      }
    } else if (n) {
      if (auto seq = bootloader_sequence(n)) {
        p.bootloader_sequences.push_back(std::move(*seq));
      } else {
        p.bootloader_reset = choice<BootloaderReset>(n, "reset.bootloader",
                                                     {{"dtr-rts", BootloaderReset::kDtrRts},
                                                      {"machine", BootloaderReset::kMachine},
                                                      {"none", BootloaderReset::kNone}});
      }
    }
  }

  /// One `reset.bootloader` entry: a sequence or a preset's name; nullopt for the words.
  std::optional<ResetSequence> bootloader_sequence(const YAML::Node& n) const {
    if (n.IsScalar()) {
      if (const ResetSequence* preset = named_reset_sequence(n.Scalar())) return *preset;
    }
    return sequence(n, "reset.bootloader",
                    {"dtr-rts", "machine", "none", "classic", "unix-tight", "usb-jtag-serial"});
  }

  /// A section core does not read: plain values kept for the plugin that owns it.
  void read_section(const YAML::Node& m, const std::string& name, BoardProfile& p) const {
    if (!m.IsMap()) at(m).fail(name, "unknown key");  // a section is a mapping
    for (const auto& kv : m) {
      const std::string key = name + "." + string(kv.first, name);
      p.settings[key] = string(kv.second, key);
    }
  }

  /// `fs`: the filesystem type and mount point.
  void read_fs(const YAML::Node& f, BoardProfile& p) const {
    expect_map(f, "fs", {"type", "mount"});
    if (auto n = f["type"]) p.fs_type = string(n, "fs.type");
    if (auto n = f["mount"]) {
      p.fs_mount = string(n, "fs.mount");
      if (!p.fs_mount.starts_with("/")) at(n).fail("fs.mount", "expected an absolute path");
    }
  }

  /// `flash`: the layout (a preset or a partition list).
  void read_flash(const YAML::Node& f, BoardProfile& p) const {
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

  // One `flash.layout` entry: {label, type: app|data|N, subtype: name|N, offset, size}.
  ProfilePartition partition(const YAML::Node& n, std::size_t i) const {
    const std::string key = fmt::format("flash.layout[{}]", i);
    expect_map(n, key, {"label", "type", "subtype", "offset", "size"});
    ProfilePartition e;
    auto number = [&](const char* name, bool required) -> std::uint32_t {
      const YAML::Node v = n[name];
      if (!v) {
        if (required) at(n).fail(key + "." + name, "missing");
        return 0;
      }
      try {
        return v.as<std::uint32_t>();
      } catch (const YAML::Exception&) {
        at(v).fail(key + "." + name, "expected a number, got " + describe(v));
      }
    };
    if (!n["label"] || !n["label"].IsScalar()) at(n).fail(key + ".label", "missing");
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
  mutable std::string where_;
};

}  // namespace

BoardProfile load_profile(const fs::path& file, const std::vector<fs::path>& dirs) {
  return ProfileReader(file, dirs).read();
}

std::vector<fs::path> profile_search_path(const std::vector<std::string>& explicit_dirs,
                                          bool include_defaults) {
  std::vector<fs::path> dirs;
  for (const auto& d : explicit_dirs) add_search_dir(dirs, d);
  if (!include_defaults) return dirs;

  // A project's own boards, next to its code.
  add_search_dir(dirs, fs::path(".mpytool") / "profiles");
  add_env_search_dirs(dirs, "MPYTOOL_PROFILE_PATH");
  if (const char* home = std::getenv("HOME"); home && *home) {
    add_search_dir(dirs, fs::path(home) / ".config" / "mpytool" / "profiles");
  }
  add_exe_relative_dir(dirs, fs::path("share") / "mpytool" / "profiles");
  add_search_dir(dirs, fs::path(MPYTOOL_INSTALL_DATA_DIR) / "profiles");
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

BoardFacts port_facts(const PortInfo& port) {
  BoardFacts f;
  f.usb = usb_id(port);
  if (!f.usb.empty()) {
    f.usb_serial = port.serial_number;
    f.usb_product = port.product;
  }
  return f;
}

bool names_profile_file(std::string_view value) {
  return value.find('/') != std::string_view::npos || value.ends_with(".yaml") ||
         value.ends_with(".yml");
}

ProfileMatch match_profile(const std::vector<BoardProfile>& profiles, const BoardFacts& facts) {
  const bool asked = !facts.platform.empty();
  const bool usb_link = !facts.usb.empty();
  ProfileMatch best;
  int best_score = -1;
  for (const auto& p : profiles) {
    if (p.match_platform.empty() && p.match_usb.empty() && p.match_usb_serial.empty() &&
        !p.match_usb_product) {
      continue;  // no `match`: chosen by id only
    }
    std::vector<std::string> why;
    int unchecked = 0;  // USB conditions a non-USB link cannot check
    bool ok = true;
    if (asked) {
      if (!p.match_platform.empty()) {
        ok = p.match_platform == facts.platform;
        why.push_back("platform " + facts.platform);
      }
      if (ok && p.match_machine_contains) {
        ok = facts.machine.find(*p.match_machine_contains) != std::string::npos;
        why.push_back(fmt::format("machine contains '{}'", *p.match_machine_contains));
      }
      if (ok && p.match_machine) {
        ok = std::regex_search(facts.machine, std::regex(*p.match_machine));
        why.push_back(fmt::format("machine ~ /{}/", *p.match_machine));
      }
    }
    const bool has_usb_condition =
        !p.match_usb.empty() || !p.match_usb_serial.empty() || p.match_usb_product;
    if (!asked && !has_usb_condition) continue;
    // A machine condition cannot be checked from the port: such a profile waits for the board.
    if (!asked && (p.match_machine_contains || p.match_machine)) continue;
    if (ok && usb_link) {
      if (!p.match_usb.empty()) {
        ok = std::find(p.match_usb.begin(), p.match_usb.end(), facts.usb) != p.match_usb.end();
        why.push_back("USB " + facts.usb);
      }
      if (ok && !p.match_usb_serial.empty()) {
        ok = std::find(p.match_usb_serial.begin(), p.match_usb_serial.end(), facts.usb_serial) !=
             p.match_usb_serial.end();
        why.push_back("USB serial " + facts.usb_serial);
      }
      if (ok && p.match_usb_product) {
        ok = facts.usb_product.find(*p.match_usb_product) != std::string::npos;
        why.push_back(fmt::format("USB product '{}'", facts.usb_product));
      }
    } else if (!asked) {
      ok = false;  // not USB and not asked: nothing is certain
    } else {
      unchecked = has_usb_condition ? 1 : 0;
    }
    if (!ok || why.empty()) continue;  // a profile must match on something
    // A profile whose USB condition could not be checked loses a tie to one without.
    const int score = 2 * static_cast<int>(why.size()) - unchecked;
    if (score > best_score) {
      best.profile = &p;
      best.reason = fmt::format("{}", fmt::join(why, ", "));
      best_score = score;
    }
  }
  if (!best.profile && asked) {
    best.profile = find_profile_by_id(profiles, "generic");
    if (best.profile)
      best.reason = fmt::format("platform {}, no other profile matches", facts.platform);
  }
  return best;
}

const BoardProfile* match_profile(const std::vector<BoardProfile>& profiles,
                                  std::string_view platform, std::string_view machine,
                                  std::string_view usb) {
  BoardFacts f;
  f.platform = std::string(platform);
  f.machine = std::string(machine);
  f.usb = std::string(usb);
  return match_profile(profiles, f).profile;
}

}  // namespace mpytool
