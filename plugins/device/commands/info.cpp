// SPDX-License-Identifier: MIT
// `info`: platform, versions, identity, memory and filesystems (docs/compatibility.md, "Commands",
// "Device information").
#include <fmt/format.h>

#include "commands.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/profile/board_profile.hpp"

namespace mpytool::device {
namespace {

/// "Platform:    esp32": the label padded to 12, a space, the value.
std::string line(const std::string& label, const std::string& value) {
  return fmt::format("{:<12} {}\n", label, value);
}

std::string usage(std::int64_t used, std::int64_t total) {
  double pct = total > 0 ? 100.0 * static_cast<double>(used) / static_cast<double>(total) : 0.0;
  return fmt::format("{} / {} ({:.2f}%)", format_size(static_cast<double>(used)),
                     format_size(static_cast<double>(total)), pct);
}

/// (1, 22, 0) -> "1.22". Trailing zeros are dropped; the core keeps only the numbers, so the
/// Python mpytool's "1.27.0." for a trailing '' element [BUG] cannot happen.
std::string impl_version(std::vector<std::int64_t> v) {
  while (!v.empty() && v.back() == 0) v.pop_back();
  return fmt::format("{}", fmt::join(v, "."));
}

class InfoCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "info";
    i.rank = help_rank::kInfo;
    i.summary = "Show device info (platform, memory, filesystem).";
    i.options.push_back(
        {"json", 0, OptionSpec::Kind::kFlag, "", "print one JSON object (docs/json.md)", {}});
    i.needs = Needs::kRepl;
    i.chains_leftovers = true;
    return i;
  }
  int run(CommandContext& ctx, const ParsedArgs& args) override {
    Mpy& mpy = ctx.mpy();
    const PlatformInfo p = mpy.platform();
    if (args.flag("json")) {
      ctx.out().out() << json(ctx, mpy, p) << "\n";
      ctx.out().out().flush();
      return 0;
    }
    std::string text;
    text += line("Platform:", p.platform);
    text += line("Version:", p.version);
    std::string impl = p.impl_name + " " + impl_version(p.impl_version);
    if (p.mpy_ver) impl += fmt::format(", mpy v{}.{}", *p.mpy_ver, p.mpy_sub.value_or(0));
    text += line("Impl:", impl);
    if (!p.machine.empty()) text += line("Machine:", p.machine);
    if (ctx.out().verbosity() >= 2) {
      if (const BoardProfile* profile = ctx.profile()) {
        const std::string why = ctx.profile_reason();
        text += line("Profile:", why.empty() ? profile->id : profile->id + " (" + why + ")");
        if (!profile->fs_type.empty() || !profile->fs_mount.empty()) {
          text += line("Filesystem:",
                       fmt::format("{} at {}", profile->fs_type.empty() ? "?" : profile->fs_type,
                                   profile->fs_mount.empty() ? "/" : profile->fs_mount));
        }
      }
    }
    if (auto id = mpy.unique_id()) text += line("Serial:", *id);
    for (const auto& [iface, mac] : mpy.mac_addresses()) {
      text += fmt::format("MAC {:<8} {}\n", iface + ":", mac);
    }
    MemoryInfo mem = mpy.memory();
    text += line("Memory:", usage(mem.alloc, mem.total));
    for (const auto& fs : mpy.filesystems()) {
      std::string label = fs.mount == "/" ? "Flash:" : fs.mount + ":";
      text += line(label, usage(fs.total - fs.free, fs.total));
    }
    ctx.out().verbose(1, "INFO");
    ctx.out().out() << text;
    ctx.out().out().flush();
    return 0;
  }

 private:
  static std::string json(CommandContext& ctx, Mpy& mpy, const PlatformInfo& p) {
    const auto opt = [](const std::optional<int>& v) {
      return v ? std::to_string(*v) : std::string("null");
    };
    std::vector<std::string> macs, fss;
    for (const auto& [iface, mac] : mpy.mac_addresses()) {
      macs.push_back(
          fmt::format(R"({{"interface":{},"mac":{}}})", json_quote(iface), json_quote(mac)));
    }
    for (const auto& f : mpy.filesystems()) {
      fss.push_back(fmt::format(R"({{"mount":{},"total":{},"free":{},"used":{}}})",
                                json_quote(f.mount), f.total, f.free, f.total - f.free));
    }
    const MemoryInfo mem = mpy.memory();
    const auto uid = mpy.unique_id();
    const BoardProfile* profile = ctx.profile();
    return fmt::format(
        R"({{"platform":{},"version":{},"implementation":{{"name":{},"version":[{}]}},)"
        R"("machine":{},"mpy":{{"version":{},"sub":{},"arch":{}}},"unique_id":{},"macs":[{}],)"
        R"("memory":{{"free":{},"alloc":{},"total":{}}},"filesystems":[{}],)"
        R"("profile":{},"profile_reason":{}}})",
        json_quote(p.platform), json_quote(p.version), json_quote(p.impl_name),
        fmt::join(p.impl_version, ","), json_quote(p.machine), opt(p.mpy_ver), opt(p.mpy_sub),
        opt(p.mpy_arch), uid ? json_quote(*uid) : "null", fmt::join(macs, ","), mem.free, mem.alloc,
        mem.total, fmt::join(fss, ","), profile ? json_quote(profile->id) : "null",
        profile ? json_quote(ctx.profile_reason()) : "null");
  }
};

}  // namespace

std::unique_ptr<Command> make_info_command() { return std::make_unique<InfoCommand>(); }

}  // namespace mpytool::device
