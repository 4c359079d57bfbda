// SPDX-License-Identifier: MIT
// `flash [read FILE | write FILE | erase [--full]]` on RP2 (docs/compatibility.md, "Flash"):
// without a subcommand, the flash info with filesystem detection. Routed here from the flat word
// `flash` when the board is an rp2 (capability platform.rp2).
#include "mpytool/flash_rp2/flash.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/transfer/host_file.hpp"
#include "mpytool/transfer/options.hpp"

namespace mpytool::flash_rp2 {
namespace {

class FlashCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "flash";
    i.rank = help_rank::kFlash;
    i.summary = "RP2 user flash (read/write/erase).";
    i.description =
        "Without a subcommand: the user flash (size, blocks, filesystem). flash read FILE ('-':\n"
        "stdout), flash write FILE (only blocks that differ are sent; verified with SHA-256 on\n"
        "the board), flash erase [--full] (quick: the first two blocks; the filesystem is made\n"
        "again at the next boot). rp2.Flash covers the filesystem only: firmware goes through\n"
        "BOOTSEL.";
    using K = OptionSpec::Kind;
    i.options = {
        {"full", 0, K::kFlag, "", "erase the whole user flash", {}},
        {"json", 0, K::kFlag, "", "print the info as JSON", {}},
    };
    i.positionals.push_back({"args", "[read|write|erase] ...", PositionalSpec::Arity::kZeroOrMore});
    i.needs = Needs::kRepl;
    i.resumes_after_reset = true;  // a second run compares block hashes: only the rest goes
    i.resuming_subcommands = {"write"};
    i.requires_caps = {"platform.rp2"};
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const auto& w = args.positionals();
    Mpy& mpy = ctx.mpy();
    Output& out = ctx.out();
    use_transfer_options(ctx);  // -z/-Z, -c, --transfer over the profile's transfer settings
    if (w.empty()) {
      const FlashInfo i = flash_info(mpy);
      out.data(args.flag("json") ? info_json(i) + "\n" : format_info(i));
      return 0;
    }
    const std::string& sub = w[0];
    if (sub == "read") {
      if (w.size() != 2) throw UsageError("flash read: [label] file");
      out.verbose(1, "FLASH READ -> " + w[1]);
      const std::string data = flash_read(mpy, progress_line(out, "reading"));
      out.end_progress();
      write_host_file(w[1], data);
      out.verbose(
          1, fmt::format("  saved {} to {}", format_size(static_cast<double>(data.size())), w[1]));
      return 0;
    }
    if (sub == "write") {
      if (w.size() != 2) throw UsageError("flash write: [label] file");
      const std::string data = read_host_file(w[1]);
      out.verbose(1, "FLASH WRITE " + w[1]);
      const FlashWriteResult r = flash_write(mpy, data, progress_line(out, "writing"), w[1]);
      if (r.blocks_written == 0) ctx.note_outcome("unchanged");
      out.end_progress();
      out.verbose(1, fmt::format("  wrote {} to flash{} ({} of {} blocks changed)",
                                 format_size(static_cast<double>(r.bytes)),
                                 r.compressed ? " (compressed)" : "", r.blocks_written, r.blocks));
      return 0;
    }
    if (sub == "erase") {
      if (w.size() != 1) throw UsageError("flash erase: [--full]");
      const bool full = args.flag("full");
      out.verbose(1, fmt::format("FLASH ERASE ({})", full ? "full" : "quick"));
      const std::size_t n = flash_erase(mpy, full, progress_line(out, "erasing"));
      out.end_progress();
      out.verbose(1, fmt::format("  erased {} from flash", format_size(static_cast<double>(n))));
      out.verbose(1, "  filesystem will be recreated on next boot", Color::kYellow);
      return 0;
    }
    if (sub == "ota")
      throw UsageError("flash ota: OTA needs an ESP32 (rp2 firmware goes through BOOTSEL)");
    throw UsageError(fmt::format("flash: unknown subcommand '{}'", sub),
                     "use read, write or erase");
  }
};

}  // namespace

std::unique_ptr<Command> make_flash_command() { return std::make_unique<FlashCommand>(); }

}  // namespace mpytool::flash_rp2
