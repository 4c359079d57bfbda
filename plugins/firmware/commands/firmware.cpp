// SPDX-License-Identifier: MIT
// `firmware [write FILE | info FILE | chip | erase [OFFSET SIZE]]`: firmware onto ESP32-family
// boards through their ROM bootloader, whether they run MicroPython, are blank or bricked.
#include <fmt/format.h>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/firmware/describe.hpp"
#include "mpytool/firmware/esp_firmware_file.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/transfer/host_file.hpp"

namespace mpytool::firmware {
namespace {

class FirmwareCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "firmware";
    i.summary = "Firmware onto ESP32 boards through the ROM bootloader (write/info/chip/erase).";
    i.description =
        "firmware write FILE: puts the board into its ROM bootloader (the profile's reset\n"
        "sequences, or machine.bootloader()), identifies the chip, checks the image against it,\n"
        "writes it compressed, verifies it with the ROM's MD5, resets the board and waits for\n"
        "MicroPython. A merged image goes to the chip's bootloader offset, an app image to the\n"
        "app partition (--offset overrides). firmware info FILE: what a file holds (no board).\n"
        "firmware chip: the chip, its revision, MAC and flash, from the ROM. firmware erase\n"
        "[OFFSET SIZE]: the whole flash or a region (asks first unless --yes).";
    using K = OptionSpec::Kind;
    i.options = {
        {"json", 0, K::kFlag, "", "print the result as JSON", {}},
        {"force", 0, K::kFlag, "", "write past the chip, offset and size guards", {}},
        {"yes", 'y', K::kFlag, "", "erase without asking", {}},
        {"offset", 0, K::kValue, "ADDR", "flash offset to write at (default: from the image)", {}},
        {"firmware-baud",
         0,
         K::kValue,
         "BAUD",
         "baud rate after sync (profile: firmware.baud)",
         {}},
        {"no-verify-boot", 0, K::kFlag, "", "do not wait for MicroPython after the write", {}},
    };
    i.positionals.push_back({"args", "write FILE | info FILE | chip | erase [OFFSET SIZE]",
                             PositionalSpec::Arity::kZeroOrMore});
    i.needs = Needs::kNothing;  // `info` needs no board; the others open the link themselves
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const auto& w = args.positionals();
    const std::string sub = w.empty() ? "" : w[0];
    if (sub == "info" && w.size() == 2) return info(ctx, args, w[1]);
    throw UsageError(sub.empty() ? "firmware: missing subcommand"
                                 : fmt::format("firmware: unknown subcommand '{}'", sub),
                     "firmware write FILE | info FILE | chip | erase [OFFSET SIZE]");
  }

 private:
  static int info(CommandContext& ctx, const ParsedArgs& args, const std::string& file) {
    const std::string data = read_host_file(file);
    const EspFirmwareFile f = read_esp_firmware(data, file);
    ctx.out().data(args.flag("json") ? describe_json(f, file) + "\n" : describe(f, file));
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_firmware_command() { return std::make_unique<FirmwareCommand>(); }

}  // namespace mpytool::firmware
