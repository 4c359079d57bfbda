// SPDX-License-Identifier: MIT
// `reset [--machine|--rts|--raw|--boot|--dtr-boot] [-t SEC]` (docs/compatibility.md, "Reset").
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/profile/board_profile.hpp"
#include "run_code.hpp"

namespace mpytool::device {
namespace {

const char* const kModes[] = {"machine", "rts", "raw", "boot", "dtr-boot"};

class ResetCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "reset";
    i.rank = help_rank::kReset;
    i.summary = "Reset the device. Default: soft reset (Ctrl-D).";
    using K = OptionSpec::Kind;
    i.options = {
        {"machine", 0, K::kFlag, "", "machine.reset() (reconnects if more commands follow)", {}},
        {"rts", 0, K::kFlag, "", "hardware reset with the RTS line (USB-UART only)", {}},
        {"raw", 0, K::kFlag, "", "soft reset in the raw REPL (boot.py/main.py skipped)", {}},
        {"boot", 0, K::kFlag, "", "machine.bootloader() (the link is lost)", {}},
        {"dtr-boot", 0, K::kFlag, "", "ESP32 ROM bootloader via DTR/RTS (USB-UART only)", {}},
        timeout_option("reconnect timeout in seconds (only with --machine or --rts)"),
    };
    i.needs = Needs::kRepl;
    i.chains_leftovers = true;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    std::string mode = "soft";
    for (const char* m : kModes) {
      if (!args.flag(m)) continue;
      if (mode != "soft") {
        throw UsageError(fmt::format("reset: --{} and --{} cannot be combined", mode, m));
      }
      mode = m;
    }
    Seconds timeout = timeout_arg("reset", args);
    if (timeout && mode != "machine" && mode != "rts") {
      throw UsageError("--timeout only with --machine or --rts");
    }
    Output& out = ctx.out();
    Mpy& mpy = ctx.mpy();
    out.verbose(1, "RESET " + mode);
    // --machine/--rts reconnect only when another command needs the board afterwards.
    const bool reconnect = ctx.more_commands_follow();
    if (mode == "soft") {
      mpy.soft_reset();
    } else if (mode == "raw") {
      mpy.soft_reset_raw();
    } else if (mode == "machine") {
      if (!reconnect) {
        mpy.machine_reset(false);
        return 0;
      }
      out.verbose(1, "  reconnecting...", Color::kYellow);
      try {
        mpy.machine_reset(true, timeout);
      } catch (const ConnError& e) {
        out.verbose(1, fmt::format("  reconnect failed: {}", e.what()), Color::kRed);
        throw ConnError(fmt::format("Reconnect failed: {}", e.what()), e.hint());
      }
      out.verbose(1, "  connected", Color::kGreen);
    } else if (mode == "rts") {
      // The board profile knows the wiring: its own sequence, or that there is no reset line.
      const BoardProfile* p = ctx.profile();
      if (p && p->hard_reset_sequence) {
        mpy.hard_reset(*p->hard_reset_sequence);
      } else if (p && p->hard_reset == HardReset::kNone) {
        throw MpyError(fmt::format(
            "Hardware reset failed: profile '{}' says the board has no reset line", p->id));
      } else {
        mpy.hard_reset();
      }
      if (reconnect) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    } else if (mode == "boot") {
      mpy.machine_bootloader();
    } else {
      const BoardProfile* p = ctx.profile();
      if (p && !p->bootloader_sequences.empty()) {
        mpy.reset_to_bootloader(p->bootloader_sequences.front());
      } else if (p && p->bootloader_reset == BootloaderReset::kMachine) {
        mpy.machine_bootloader();
      } else if (p && p->bootloader_reset == BootloaderReset::kNone) {
        throw MpyError(fmt::format(
            "Bootloader reset failed: profile '{}' says the host cannot enter it", p->id));
      } else {
        mpy.reset_to_bootloader();
      }
    }
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_reset_command() { return std::make_unique<ResetCommand>(); }

}  // namespace mpytool::device
