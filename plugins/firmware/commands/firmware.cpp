// SPDX-License-Identifier: MIT
// `firmware [write FILE | info FILE | chip | erase [OFFSET SIZE]]`: firmware onto ESP32-family
// boards through their ROM bootloader, whether they run MicroPython, are blank or bricked.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/firmware/describe.hpp"
#include "mpytool/firmware/esp_firmware_file.hpp"
#include "mpytool/firmware/esp_flasher.hpp"
#include "mpytool/link/conn.hpp"
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
    if (sub == "write" && w.size() == 2) return write(ctx, args, w[1]);
    if (sub == "chip" && w.size() == 1) return chip(ctx, args);
    if (sub == "erase" && (w.size() == 1 || w.size() == 3)) return erase(ctx, args, w);
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

  static std::optional<std::uint32_t> number(const std::string& name,
                                             const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    try {
      std::size_t used = 0;
      const unsigned long v = std::stoul(*text, &used, 0);
      if (used == text->size() && v <= 0xFFFFFFFFul) return static_cast<std::uint32_t>(v);
    } catch (const std::exception&) {
    }
    throw UsageError(
        fmt::format("firmware: {}: expected a number (0x10000 or 65536), got '{}'", name, *text));
  }

  static int write(CommandContext& ctx, const ParsedArgs& args, const std::string& file) {
    WriteRequest req;
    req.name = file;
    req.offset = number("--offset", args.value("offset"));
    if (auto b = number("--firmware-baud", args.value("firmware-baud"))) {
      req.baud = static_cast<int>(*b);
    }
    req.force = args.flag("force");
    req.verify_boot = !args.flag("no-verify-boot");
    const WriteResult r = write_firmware(ctx, read_host_file(file), req);
    const auto& rep = r.report;
    if (args.flag("json")) {
      ctx.out().data(fmt::format(
          R"({{"file":{},"chip":{},"offset":{},"version":{},"bytes":{},"compressed":{},)"
          R"("wire_bytes":{},"write_seconds":{:.2f},"seconds":{:.2f},"baud":{},"md5":"{}",)"
          R"("running":{}}})"
          "\n",
          json_quote(file), json_quote(r.chip), r.offset, json_quote(r.image_version), rep.bytes,
          rep.compressed_bytes, rep.wire_bytes, rep.seconds, r.seconds, r.baud, rep.md5,
          r.running.empty() ? "null" : json_quote(r.running)));
      return 0;
    }
    std::string line = fmt::format(
        "wrote {}{} to {} in {:.1f} s", r.image_version.empty() ? file : r.image_version,
        fmt::format(" ({})", decimal_size(rep.bytes)), r.chip, r.seconds);
    line += r.running.empty() ? "\n" : fmt::format("; the board runs MicroPython {}\n", r.running);
    ctx.out().verbose(1, fmt::format("  0x{:x}: {} bytes, {} compressed, {} on the wire at {} "
                                     "baud, written in {:.1f} s, MD5 {}",
                                     r.offset, rep.bytes, rep.compressed_bytes, rep.wire_bytes,
                                     r.baud, rep.seconds, rep.md5));
    ctx.out().data(line);
    return 0;
  }

  static int chip(CommandContext& ctx, const ParsedArgs& args) {
    EspSession session(ctx);
    session.connect();
    const auto& c = session.chip();
    const std::string flash =
        c.flash_size ? fmt::format("{} MB", c.flash_size >> 20) : std::string("unknown size");
    if (args.flag("json")) {
      std::string features;
      for (const auto& f : c.features) features += (features.empty() ? "" : ",") + json_quote(f);
      ctx.out().data(fmt::format(
          R"({{"chip":{},"revision":{},"features":[{}],"mac":{},"flash_id":{},"flash_size":{},)"
          R"("secure_download":{},"flash_encryption":{}}})"
          "\n",
          json_quote(c.chip->name), json_quote(c.revision), features, json_quote(c.mac), c.flash_id,
          c.flash_size, c.secure_download, c.flash_encryption));
    } else {
      std::string features;
      for (const auto& f : c.features) features += (features.empty() ? "" : ", ") + f;
      ctx.out().data(
          fmt::format("chip: {}\nfeatures: {}\nMAC: {}\nflash: {}, id 0x{:06x}\nsecurity: {}\n",
                      session.chip_name(), features, c.mac, flash, c.flash_id,
                      c.secure_download    ? "Secure Download Mode"
                      : c.flash_encryption ? "flash encryption enabled"
                                           : "none"));
    }
    session.reset_to_firmware();
    return 0;
  }

  static int erase(CommandContext& ctx, const ParsedArgs& args, const std::vector<std::string>& w) {
    const bool region = w.size() == 3;
    const std::uint32_t offset = region ? *number("OFFSET", w[1]) : 0;
    const std::uint32_t size = region ? *number("SIZE", w[2]) : 0;
    const std::string what = region ? fmt::format("0x{:x} bytes at 0x{:x}", size, offset)
                                    : std::string("the whole flash");
    if (!args.flag("yes")) {
      if (::isatty(STDIN_FILENO) == 0) {
        throw UsageError(
            fmt::format("firmware erase: erasing {} needs --yes when stdin is not "
                        "a terminal",
                        what));
      }
      std::cerr << fmt::format("erase {} of the board on {}? [y/N] ", what,
                               ctx.conn().description())
                << std::flush;
      std::string answer;
      std::getline(std::cin, answer);
      if (answer != "y" && answer != "yes") {
        ctx.out().verbose(1, "nothing erased");
        return 0;
      }
    }
    EspSession session(ctx);
    session.connect();
    const auto start = std::chrono::steady_clock::now();
    if (region) {
      esp_rom::erase_region(session.rom(), offset, size);
    } else {
      if (!session.chip().flash_size)
        throw MpyError("the ROM reports no flash size: erase a region");
      esp_rom::erase_all(session.rom(), session.chip().flash_size);
    }
    session.reset_to_firmware();
    ctx.out().data(fmt::format(
        "erased {} of the {} in {:.1f} s\n", what, session.chip_name(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_firmware_command() { return std::make_unique<FirmwareCommand>(); }

}  // namespace mpytool::firmware
