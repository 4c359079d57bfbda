// SPDX-License-Identifier: MIT
// `firmware [write FILE | info FILE | chip | erase [OFFSET SIZE]]`: firmware onto ESP32-family
// boards through their ROM bootloader, whether they run MicroPython, are blank or bricked.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <span>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/firmware/describe.hpp"
#include "mpytool/firmware/describe_uf2.hpp"
#include "mpytool/firmware/esp_firmware_file.hpp"
#include "mpytool/firmware/esp_flasher.hpp"
#include "mpytool/firmware/image_choice.hpp"
#include "mpytool/firmware/uf2_flasher.hpp"
#include "mpytool/link/conn.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/profile/board_profile.hpp"
#include "mpytool/transfer/host_file.hpp"
#include "mpytool/uf2/bootsel_drive.hpp"
#include "mpytool/uf2/uf2_file.hpp"

namespace mpytool::firmware {
namespace {

class FirmwareCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "firmware";
    i.summary =
        "Firmware onto ESP32 (ROM bootloader) and RP2 (BOOTSEL) boards (write/info/chip/erase).";
    i.description =
        "firmware write FILE: puts the board into its ROM bootloader (the profile's reset\n"
        "sequences, or machine.bootloader()), identifies the chip, checks the image against it,\n"
        "writes it compressed, verifies it with the ROM's MD5, resets the board and waits for\n"
        "MicroPython. A merged image goes to the chip's bootloader offset, an app image to the\n"
        "app partition (--offset overrides). firmware info FILE: what a file holds (no board).\n"
        "firmware chip: the chip, its revision, MAC and flash, from the ROM. firmware erase\n"
        "[OFFSET SIZE]: the whole flash or a region (asks first unless --yes).\n"
        "A UF2 file goes to an RP2 board through BOOTSEL: machine.bootloader() (or the\n"
        "1200-baud touch the profile names), the board's drive found by its USB serial number\n"
        "(or --drive/--serial for a board in BOOTSEL already), the file checked and copied, and\n"
        "the board back on its port with the new version. --file-for KEY=FILE picks the file\n"
        "by the board's profile id, chip or platform (one command line for a mixed fleet).";
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
        {"drive",
         0,
         K::kValue,
         "DIR",
         "the BOOTSEL drive of an RP2 board (its mount directory)",
         {}},
        {"serial", 0, K::kValue, "SERIAL", "the RP2 board in BOOTSEL with this USB serial", {}},
        {"timeout", 0, K::kValue, "SEC", "RP2: wait this long for the drive and port (20)", {}},
        {"file-for",
         0,
         K::kMulti,
         "KEY=FILE",
         "the file for boards of KEY (profile, chip, platform)",
         {}},
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
    if (sub == "write" && w.size() == 1 && !args.values("file-for").empty()) {
      return write(ctx, args, file_for_board(ctx, args));
    }
    if (sub == "chip" && w.size() == 1) return chip(ctx, args);
    if (sub == "erase" && (w.size() == 1 || w.size() == 3)) return erase(ctx, args, w);
    throw UsageError(sub.empty() ? "firmware: missing subcommand"
                                 : fmt::format("firmware: unknown subcommand '{}'", sub),
                     "firmware write FILE | info FILE | chip | erase [OFFSET SIZE]");
  }

 private:
  static int info(CommandContext& ctx, const ParsedArgs& args, const std::string& file) {
    const std::string data = read_host_file(file);
    if (is_uf2(data)) {
      const uf2::Uf2Info u = uf2::parse_uf2(bytes_of(data), file);
      ctx.out().data(args.flag("json") ? describe_uf2_json(u, file, data.size())
                                       : describe_uf2(u, file, data.size()));
      return 0;
    }
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
    const std::string data = read_host_file(file);
    if (is_uf2(data)) return write_uf2_file(ctx, args, file, data);
    WriteRequest req;
    req.name = file;
    req.offset = number("--offset", args.value("offset"));
    if (auto b = number("--firmware-baud", args.value("firmware-baud"))) {
      req.baud = static_cast<int>(*b);
    }
    req.force = args.flag("force");
    req.verify_boot = !args.flag("no-verify-boot");
    const WriteResult r = write_firmware(ctx, data, req);
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

  static std::span<const std::uint8_t> bytes_of(const std::string& data) {
    return {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()};
  }

  static bool is_uf2(const std::string& data) { return uf2::looks_like_uf2(bytes_of(data)); }

  static int write_uf2_file(CommandContext& ctx, const ParsedArgs& args, const std::string& file,
                            const std::string& data) {
    Uf2Request req;
    req.name = file;
    req.drive = args.value("drive");
    req.serial = args.value("serial");
    req.force = args.flag("force");
    req.verify_boot = !args.flag("no-verify-boot");
    if (auto t = args.value("timeout")) {
      try {
        req.timeout = std::stod(*t);
      } catch (const std::exception&) {
        throw UsageError(fmt::format("firmware: --timeout: expected seconds, got '{}'", *t));
      }
    }
    const Uf2Result r = write_uf2(ctx, data, req);
    if (args.flag("json")) {
      ctx.out().data(fmt::format(
          R"({{"file":{},"chip":{},"drive":{},"serial":{},"version":{},"bytes":{},)"
          R"("copy_seconds":{:.2f},"seconds":{:.2f},"running":{},"note":{}}})"
          "\n",
          json_quote(file), json_quote(r.chip), json_quote(r.drive), json_quote(r.serial),
          r.image_version.empty() ? "null" : json_quote(r.image_version), r.bytes, r.copy_seconds,
          r.seconds, r.running.empty() ? "null" : json_quote(r.running),
          r.note.empty() ? "null" : json_quote(r.note)));
      return 0;
    }
    std::string line =
        fmt::format("wrote {} ({}) to {}{} in {:.1f} s",
                    r.image_version.empty() ? file : r.image_version, decimal_size(r.bytes), r.chip,
                    r.serial.empty() ? "" : fmt::format(" (serial {})", r.serial), r.seconds);
    line += !r.running.empty() ? fmt::format("; the board runs MicroPython {}\n", r.running)
            : !r.note.empty()  ? fmt::format("; {}\n", r.note)
                               : "\n";
    ctx.out().verbose(1, fmt::format("  copied to {} in {:.1f} s", r.drive, r.copy_seconds));
    ctx.out().data(line);
    return 0;
  }

  /// --file-for: the board's kind from its profile, else from what it says, else from how it
  /// can be reached (a BOOTSEL drive: rp2; a silent port: an ESP32 ROM loader).
  static std::string file_for_board(CommandContext& ctx, const ParsedArgs& args) {
    const auto pairs = parse_file_for(args.values("file-for"));
    std::string platform;
    const BoardProfile* profile = ctx.profile();
    if (profile == nullptr) {
      try {
        platform = ctx.mpy().platform().platform;
        profile = ctx.profile();
      } catch (const ConnError&) {
        platform = args.value("drive") || args.value("serial") || !uf2::find_drives().empty()
                       ? "rp2"
                       : "esp32";
      }
    }
    const auto all = find_profiles(profile_search_path(ctx.globals().profile_dirs));
    const std::string file = choose_file(pairs, board_keys(profile, all, platform));
    ctx.out().verbose(2, fmt::format("--file-for: {}", file));
    return file;
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
