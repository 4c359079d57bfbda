// SPDX-License-Identifier: MIT
// Loading steps: suffix filter, library_info pre-check (no plugin code runs),
// dlopen RTLD_LOCAL|RTLD_NOW, descriptor ABI/build-tag check, create(), register_commands().
// Libraries are never unloaded while the PluginSet lives; objects die before their libraries.
#include "loader/plugin_loader.hpp"

#include <algorithm>
#include <exception>
#include <ios>
#include <string>
#include <system_error>
// Boost 1.74's library_info.hpp uses std::vector without including <vector>.
#include <fmt/format.h>

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <vector>

#include "mpytool/base/error.hpp"
#include "mpytool/base/version.hpp"
#include "mpytool/plugin/command.hpp"
#include "mpytool/plugin/plugin.hpp"

namespace mpytool {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDescriptorSymbol = "mpytool_plugin_v1";
constexpr const char* kSection = "mpytool";

/// "mpytool-fs.so" -> "fs"; other names keep their stem.
std::string name_from_file(const fs::path& file) {
  std::string stem = file.stem().string();
  constexpr std::string_view kPrefix = "mpytool-";
  if (stem.rfind(kPrefix, 0) == 0) stem.erase(0, kPrefix.size());
  return stem;
}

void warn_skip(const PluginWarningSink& warn, const fs::path& file, const std::string& reason) {
  if (warn) warn(fmt::format("skipping '{}': {}", file.string(), reason));
}

/// The library_info pre-check: does \p file export the descriptor in our section? Reads the
/// file only. Non-ELF files make Boost 1.74 throw std::ios_base::failure (reading past the end) or
/// std::runtime_error ("Unsupported binary format").
std::string precheck(const fs::path& file) {
  try {
    boost::dll::library_info info(file);
    auto symbols = info.symbols(kSection);
    if (std::find(symbols.begin(), symbols.end(), kDescriptorSymbol) == symbols.end()) {
      return "not an mpytool plugin (no 'mpytool_plugin_v1' descriptor)";
    }
    return {};
  } catch (const std::ios_base::failure&) {
    return "not a shared library (unreadable or truncated file)";
  } catch (const std::exception& e) {
    return fmt::format("not a shared library ({})", e.what());
  }
}

}  // namespace

const char* to_string(PluginStatus status) noexcept {
  switch (status) {
    case PluginStatus::kLoaded:
      return "loaded";
    case PluginStatus::kFailed:
      return "failed";
    case PluginStatus::kDuplicate:
      return "duplicate";
  }
  return "unknown";
}

/// A loaded plugin: its objects (created by the library) and the index of its record.
struct PluginSet::Loaded {
  std::size_t record = 0;
  std::unique_ptr<Plugin> plugin;
  std::vector<std::unique_ptr<Command>> commands;
};

PluginSet::PluginSet() = default;

PluginSet::~PluginSet() {
  // Objects first, newest first; then the libraries that hold their code.
  while (!loaded_.empty()) {
    auto& last = loaded_.back();
    while (!last->commands.empty()) last->commands.pop_back();
    last->plugin.reset();
    loaded_.pop_back();
  }
  // Declared options may hold plugin code too (an OptionSpec::check).
  for (auto& r : records_) r.global_options.clear();
  while (!libraries_.empty()) libraries_.pop_back();
}

void PluginSet::load_directories(const std::vector<fs::path>& dirs, const PluginWarningSink& warn) {
  const fs::path suffix = boost::dll::shared_library::suffix();
  for (const auto& dir : dirs) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (!it->is_regular_file(type_ec)) continue;
      if (it->path().extension() != suffix) continue;
      files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) load_file(f, warn);
  }
}

void PluginSet::add_failed(const fs::path& file, std::string name, std::string version,
                           std::string reason, const PluginWarningSink& warn) {
  warn_skip(warn, file, reason);
  PluginRecord rec;
  rec.name = name.empty() ? name_from_file(file) : std::move(name);
  rec.version = std::move(version);
  rec.path = file;
  rec.status = PluginStatus::kFailed;
  rec.reason = std::move(reason);
  records_.push_back(std::move(rec));
}

bool PluginSet::load_file(const fs::path& file, const PluginWarningSink& warn) {
  const PluginDescriptor* desc = open_library(file, warn);
  return desc && check_descriptor(file, *desc, warn) && !add_duplicate(file, *desc, warn) &&
         instantiate(file, *desc, warn);
}

const PluginDescriptor* PluginSet::open_library(const fs::path& file,
                                                const PluginWarningSink& warn) {
  if (std::string reason = precheck(file); !reason.empty()) {
    add_failed(file, {}, {}, std::move(reason), warn);
    return nullptr;
  }

  std::shared_ptr<boost::dll::shared_library> lib;
  try {
    lib = std::make_shared<boost::dll::shared_library>(
        file, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
  } catch (const std::exception& e) {
    add_failed(file, {}, {}, fmt::format("cannot load: {}", e.what()), warn);
    return nullptr;
  }
  libraries_.push_back(lib);  // kept until the PluginSet dies, whatever happens next

  try {
    return &lib->get_alias<const PluginDescriptor>(kDescriptorSymbol);
  } catch (const std::exception& e) {
    add_failed(file, {}, {}, fmt::format("cannot read the plugin descriptor: {}", e.what()), warn);
    return nullptr;
  }
}

bool PluginSet::check_descriptor(const fs::path& file, const PluginDescriptor& desc,
                                 const PluginWarningSink& warn) {
  // The descriptor layout is fixed for mpytool_plugin_v1, so these fields are safe to read
  // even from a plugin of another ABI number.
  if (desc.abi_version != kPluginAbiVersion) {
    add_failed(file, desc.name ? desc.name : "", desc.version ? desc.version : "",
               fmt::format("built for plugin ABI {}, this mpytool has {}", desc.abi_version,
                           kPluginAbiVersion),
               warn);
    return false;
  }
  std::string name = desc.name ? desc.name : "";
  std::string version = desc.version ? desc.version : "";
  const std::string tag = desc.build_tag ? desc.build_tag : "";
  if (tag != MPYTOOL_BUILD_TAG) {
    add_failed(
        file, name, version,
        fmt::format("built with '{}', this mpytool was built with '{}'", tag, MPYTOOL_BUILD_TAG),
        warn);
    return false;
  }
  if (name.empty() || desc.create == nullptr) {
    add_failed(file, {}, version, "invalid plugin descriptor (no name or no create function)",
               warn);
    return false;
  }
  return true;
}

bool PluginSet::add_duplicate(const fs::path& file, const PluginDescriptor& desc,
                              const PluginWarningSink& warn) {
  const std::string name = desc.name;
  const std::string version = desc.version ? desc.version : "";
  const PluginRecord* first = find_loaded(name);
  if (!first) return false;
  std::string reason =
      fmt::format("plugin '{}' already loaded from '{}'", name, first->path.string());
  warn_skip(warn, file, reason);
  PluginRecord rec;
  rec.name = name;
  rec.version = version;
  rec.path = file;
  rec.status = PluginStatus::kDuplicate;
  rec.reason = std::move(reason);
  records_.push_back(std::move(rec));
  return true;
}

bool PluginSet::instantiate(const fs::path& file, const PluginDescriptor& desc,
                            const PluginWarningSink& warn) {
  const std::string name = desc.name;
  const std::string version = desc.version ? desc.version : "";
  auto loaded = std::make_unique<Loaded>();
  PluginRecord rec;
  rec.name = name;
  rec.version = version;
  rec.path = file;
  CommandRegistry registry;
  try {
    loaded->plugin.reset(desc.create());
    if (!loaded->plugin) throw PluginError("create() returned no plugin");
    PluginInfo info = loaded->plugin->info();
    rec.summary = info.summary;
    rec.provides = info.provides;
    loaded->plugin->register_commands(registry);
  } catch (const std::exception& e) {
    // Keep the names registered so far: using one of them reports this failure.
    for (const auto& c : registry.commands()) {
      if (c) rec.commands.push_back(c->info().name);
    }
    registry.commands().clear();
    loaded->plugin.reset();
    add_failed(file, name, version, fmt::format("plugin failed to initialise: {}", e.what()), warn);
    records_.back().commands = std::move(rec.commands);
    records_.back().summary = std::move(rec.summary);
    return false;
  } catch (...) {
    registry.commands().clear();
    loaded->plugin.reset();
    add_failed(file, name, version, "plugin failed to initialise: unknown exception", warn);
    return false;
  }

  for (auto& c : registry.commands()) {
    if (!c) continue;
    rec.commands.push_back(c->info().name);
    loaded->commands.push_back(std::move(c));
  }
  rec.global_options = registry.global_options();
  for (const auto& cap : registry.provides()) {
    if (std::find(rec.provides.begin(), rec.provides.end(), cap) == rec.provides.end()) {
      rec.provides.push_back(cap);
    }
  }
  rec.status = PluginStatus::kLoaded;
  loaded->record = records_.size();
  records_.push_back(std::move(rec));
  loaded_.push_back(std::move(loaded));
  return true;
}

const PluginRecord* PluginSet::find_loaded(std::string_view name) const {
  for (const auto& r : records_) {
    if (r.status == PluginStatus::kLoaded && r.name == name) return &r;
  }
  return nullptr;
}

const PluginRecord* PluginSet::find_failed(std::string_view name) const {
  for (const auto& r : records_) {
    if (r.status == PluginStatus::kFailed && r.name == name) return &r;
  }
  return nullptr;
}

const PluginRecord* PluginSet::find_failed_command(std::string_view command) const {
  for (const auto& r : records_) {
    if (r.status != PluginStatus::kFailed) continue;
    if (std::find(r.commands.begin(), r.commands.end(), command) != r.commands.end()) return &r;
  }
  return nullptr;
}

Command* PluginSet::find_command(std::string_view plugin, std::string_view command) const {
  for (const auto& l : loaded_) {
    if (records_[l->record].name != plugin) continue;
    const auto& names = records_[l->record].commands;
    for (std::size_t i = 0; i < names.size() && i < l->commands.size(); ++i) {
      if (names[i] == command) return l->commands[i].get();
    }
  }
  return nullptr;
}

std::vector<PluginSet::CommandRef> PluginSet::commands() const {
  std::vector<CommandRef> out;
  for (const auto& l : loaded_) {
    for (const auto& c : l->commands) out.push_back({&records_[l->record], c.get()});
  }
  return out;
}

bool PluginSet::provides(std::string_view capability) const {
  for (const auto& r : records_) {
    if (r.status != PluginStatus::kLoaded) continue;
    if (std::find(r.provides.begin(), r.provides.end(), capability) != r.provides.end()) {
      return true;
    }
  }
  return false;
}

void PluginSet::throw_failed(const PluginRecord& record) {
  throw PluginError(fmt::format("plugin '{}' could not be loaded: {}", record.name, record.reason),
                    fmt::format("the plugin file is '{}'", record.path.string()));
}

}  // namespace mpytool
