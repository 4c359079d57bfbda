// SPDX-License-Identifier: MIT
// `df [--json]` (from mpremote): size, use and free space of every filesystem on the board.
#include <fmt/format.h>

#include <algorithm>

#include "command_support.hpp"
#include "commands.hpp"

namespace mpytool::fs {
namespace {

/// Used share in whole percent, rounded up as coreutils' df does; 0 for an empty filesystem.
std::int64_t use_percent(std::int64_t used, std::int64_t total) {
  if (total <= 0 || used <= 0) return 0;
  return (used * 100 + total - 1) / total;
}

std::string size_text(std::int64_t n) { return format_size(static_cast<double>(n)); }

class DfCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "df";
    i.summary = "Show filesystem size and free space on device.";
    i.description =
        "--json prints [{\"mount\": ..., \"size\": bytes, \"used\": bytes, \"avail\": bytes, "
        "\"use_percent\": n}].";
    i.options.push_back(json_option());
    i.needs = Needs::kRepl;
    i.chains_leftovers = true;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const std::vector<FsInfo> all = ctx.mpy().filesystems();
    ctx.out().verbose(1, "DF");
    std::string text;
    if (args.flag("json")) {
      text = "[";
      for (const auto& f : all) {
        if (text.size() > 1) text += ", ";
        const std::int64_t used = f.total - f.free;
        text += fmt::format(
            R"({{"mount": {}, "size": {}, "used": {}, "avail": {}, "use_percent": {}}})",
            json_string(f.mount), f.total, used, f.free, use_percent(used, f.total));
      }
      text += "]\n";
    } else {
      std::size_t width = 5;  // "Mount"
      for (const auto& f : all) width = std::max(width, printable(f.mount).size());
      text = fmt::format("{:<{}} {:>8} {:>8} {:>8} {:>5}\n", "Mount", width, "Size", "Used",
                         "Avail", "Use%");
      for (const auto& f : all) {
        const std::int64_t used = f.total - f.free;
        text += fmt::format("{:<{}} {:>8} {:>8} {:>8} {:>4}%\n", printable(f.mount), width,
                            size_text(f.total), size_text(used), size_text(f.free),
                            use_percent(used, f.total));
      }
    }
    ctx.out().data(text);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_df_command() { return std::make_unique<DfCommand>(); }

}  // namespace mpytool::fs
