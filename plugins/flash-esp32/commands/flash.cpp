// SPDX-License-Identifier: MIT
// `flash [read LABEL FILE | write LABEL FILE | erase LABEL [--full] | ota FILE]` on ESP32
// (docs/compatibility.md, "Flash"): without a subcommand, the partition table. Routed here from the
// flat word `flash` when the board is an esp32 (capability platform.esp32).
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/flash_esp32/partitions.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/profile/board_profile.hpp"
#include "mpytool/transfer/host_file.hpp"
#include "mpytool/transfer/options.hpp"

namespace mpytool::flash_esp32 {
namespace {

class FlashCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "flash";
    i.rank = help_rank::kFlash;
    i.summary = "ESP32 partitions (read/write/erase/ota).";
    i.description =
        "Without a subcommand: the partition table (with the filesystem each data partition\n"
        "really holds). flash read LABEL FILE ('-': stdout), flash write LABEL FILE (only\n"
        "blocks that differ are sent; the result is verified with SHA-256 on the board), flash\n"
        "erase LABEL [--full] (quick: the first two blocks), flash ota FILE (an ESP app image,\n"
        "checked on the host, written to the next OTA slot, verified, then set_boot()). The\n"
        "running app, otadata and phy_init are refused without --force.";
    using K = OptionSpec::Kind;
    i.options = {
        {"full", 0, K::kFlag, "", "erase the whole partition", {}},
        {"force", 0, K::kFlag, "", "allow the running app, otadata, phy_init", {}},
        {"json", 0, K::kFlag, "", "print the table as JSON", {}},
    };
    i.positionals.push_back(
        {"args", "[read|write|erase|ota] ...", PositionalSpec::Arity::kZeroOrMore});
    i.needs = Needs::kRepl;
    i.resumes_after_reset = true;  // a second run compares block hashes: only the rest goes
    i.resuming_subcommands = {"write"};
    i.requires_caps = {"platform.esp32"};
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const auto& w = args.positionals();
    Mpy& mpy = ctx.mpy();
    Output& out = ctx.out();
    // -z/-Z, -c, --transfer over the profile's transfer settings
    const std::optional<bool> compress = use_transfer_options(ctx).compress;
    const bool force = args.flag("force") || ctx.globals().plugin_options.flag("force");
    // The layout guard: a profile in force that pins its board's partition table.
    static const std::vector<ProfilePartition> kNone;
    const BoardProfile* profile = ctx.profile();
    const std::vector<ProfilePartition>& layout = profile ? profile->flash_table : kNone;
    if (w.empty()) {
      const PartitionTable t = partitions(mpy);
      out.data(args.flag("json") ? table_json(t) + "\n" : format_table(t));
      return 0;
    }
    const std::string& sub = w[0];
    if (sub == "read") {
      if (w.size() != 3) throw UsageError("flash read: [label] file");
      out.verbose(1, fmt::format("FLASH READ {} -> {}", w[1], w[2]));
      const std::string data = flash_read(mpy, w[1], progress_line(out, "reading " + w[1]));
      out.end_progress();
      write_host_file(w[2], data);
      out.verbose(
          1, fmt::format("  saved {} to {}", format_size(static_cast<double>(data.size())), w[2]));
      return 0;
    }
    if (sub == "write") {
      if (w.size() != 3) throw UsageError("flash write: [label] file");
      const std::string data = read_host_file(w[2]);
      out.verbose(1, fmt::format("FLASH WRITE {} -> {}", w[2], w[1]));
      const FlashWriteResult r =
          flash_write(mpy, data, w[1], progress_line(out, "writing"), compress, force, layout);
      if (r.blocks_written == 0) ctx.note_outcome("unchanged");
      out.end_progress();
      out.verbose(1, fmt::format("  wrote {} to {}{} ({} of {} blocks changed)",
                                 format_size(static_cast<double>(r.bytes)), w[1],
                                 r.compressed ? " (compressed)" : "", r.blocks_written, r.blocks));
      return 0;
    }
    if (sub == "erase") {
      if (w.size() != 2) throw UsageError("flash erase: label [--full]");
      const bool full = args.flag("full");
      out.verbose(1, fmt::format("FLASH ERASE {} ({})", w[1], full ? "full" : "quick"));
      const std::size_t n =
          flash_erase(mpy, w[1], full, progress_line(out, "erasing"), force, layout);
      out.end_progress();
      out.verbose(1, fmt::format("  erased {} from {}", format_size(static_cast<double>(n)), w[1]));
      return 0;
    }
    if (sub == "ota") {
      if (w.size() != 2) throw UsageError("flash ota: firmware");
      const std::string data = read_host_file(w[1]);
      out.verbose(1, "OTA UPDATE");
      out.verbose(1, "  Firmware: " + format_size(static_cast<double>(data.size())));
      const OtaResult r =
          ota_write(mpy, data, progress_line(out, "Writing"), compress, w[1], layout, force);
      out.end_progress();
      if (r.image.desc) {
        const auto& d = *r.image.desc;
        out.verbose(1, fmt::format("  Image:    {} {}{}", d.project_name, d.version,
                                   d.idf_version.empty() ? "" : " (IDF " + d.idf_version + ")"));
      }
      out.verbose(
          1, fmt::format("  Target: {} ({})", r.target, format_size(static_cast<double>(r.size))));
      out.verbose(1, "  OTA complete! Use 'reset --machine' to boot into new firmware.");
      return 0;
    }
    throw UsageError(fmt::format("flash: unknown subcommand '{}'", sub),
                     "use read, write, erase or ota");
  }
};

}  // namespace

std::unique_ptr<Command> make_flash_command() { return std::make_unique<FlashCommand>(); }

}  // namespace mpytool::flash_esp32
