// SPDX-License-Identifier: MIT
// `ota write FILE [--no-reset] [--no-confirm] [-t SEC] | status [--json] | confirm | rollback
// [--no-reset]` (ESP32, capability platform.esp32).
#include "mpytool/ota/ota.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/base/seconds.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/profile/board_profile.hpp"
#include "mpytool/transfer/host_file.hpp"
#include "mpytool/transfer/options.hpp"

namespace mpytool::ota {
namespace {

class OtaCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "ota";
    i.summary = "Firmware update over the link: write, status, confirm, rollback.";
    i.description =
        "ota write FILE: the image is checked on the host, written to the next OTA slot,\n"
        "verified on the board, made the boot app; then the board is reset, must come back on\n"
        "the new app (else exit 7: rolled back) and the app is confirmed. --no-reset stops after\n"
        "set_boot, --no-confirm leaves the confirmation to the application. ota status: running,\n"
        "boot and next slot, each slot's state and app; ota confirm; ota rollback: boot the\n"
        "other app.";
    using K = OptionSpec::Kind;
    i.options = {
        {"no-reset", 0, K::kFlag, "", "do not reset into the new app", {}},
        {"no-confirm", 0, K::kFlag, "", "do not mark the new app valid", {}},
        {"timeout", 't', K::kValue, "SEC", "reconnect timeout after the reset (default 20)", {}},
        {"json", 0, K::kFlag, "", "status as JSON", {}},
    };
    i.positionals.push_back(
        {"args", "write FILE | status | confirm | rollback", PositionalSpec::Arity::kOneOrMore});
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
    double timeout = 20.0;
    if (auto t = args.value("timeout")) {
      const auto v = parse_seconds(*t);
      if (!v) throw UsageError(fmt::format("ota: invalid timeout '{}'", *t));
      timeout = *v;
    }
    const std::string& sub = w[0];
    if (sub == "status" && w.size() == 1) {
      const Status s = status(mpy);
      out.data(args.flag("json") ? status_json(s) + "\n" : format_status(s));
      return 0;
    }
    if (sub == "confirm" && w.size() == 1) {
      confirm(mpy);
      out.verbose(1, "OTA: running app marked valid");
      return 0;
    }
    if (sub == "rollback" && w.size() == 1) {
      const std::string slot = rollback(mpy, !args.flag("no-reset"), timeout);
      out.verbose(1, "OTA: rolled back to " + slot);
      return 0;
    }
    if (sub == "write" && w.size() == 2) {
      const std::string data = read_host_file(w[1]);
      UpdateOptions o;
      o.reset = !args.flag("no-reset");
      o.confirm = !args.flag("no-confirm");
      o.reconnect_timeout = timeout;
      // -z/-Z, -c, --transfer over the profile's settings
      o.compress = use_transfer_options(ctx).compress;
      o.force = ctx.globals().plugin_options.flag("force");
      if (const BoardProfile* p = ctx.profile()) o.layout = p->flash_table;
      out.verbose(1, "OTA UPDATE " + w[1]);
      const UpdateResult r = update(
          mpy, data, o,
          [&out](std::size_t done, std::size_t total) {
            out.progress(1, fmt::format("  Writing: {:3d}% {} / {}",
                                        total ? static_cast<int>(100 * done / total) : 100,
                                        format_size(static_cast<double>(done)),
                                        format_size(static_cast<double>(total))));
          },
          w[1]);
      out.end_progress();
      if (r.write.image.desc) {
        out.verbose(1, fmt::format("  Image:   {} {}", r.write.image.desc->project_name,
                                   r.write.image.desc->version));
      }
      out.verbose(1, fmt::format("  Target:  {} ({} of {} blocks sent, verified)", r.write.target,
                                 r.write.write.blocks_written, r.write.write.blocks));
      if (!r.reset) {
        out.verbose(1, "  Boot app set; reset the board (reset --machine) to run it.");
      } else {
        out.verbose(1, std::string("  Running the new app") +
                           (r.confirmed ? ", confirmed" : " (not confirmed: ota confirm)"));
      }
      return 0;
    }
    throw UsageError("ota: use write FILE, status, confirm or rollback");
  }
};

}  // namespace

std::unique_ptr<Command> make_ota_command() { return std::make_unique<OtaCommand>(); }

}  // namespace mpytool::ota
