// SPDX-License-Identifier: MIT
// `firmware write` on ESP32 boards: every check that needs only the file runs before the link is
// opened, every check that needs the chip before the first FLASH_BEGIN.
#include "mpytool/firmware/esp_flasher.hpp"

#include <fmt/format.h>

#include <chrono>
#include <regex>

#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/esp_rom/chips.hpp"
#include "mpytool/link/conn.hpp"

namespace mpytool::firmware {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kDefaultBaud = 460800;
constexpr std::uint32_t kDefaultAppOffset = 0x10000;
/// Where a merged image (MicroPython's firmware.bin) holds its partition table.
constexpr std::uint32_t kPartitionTableOffset = 0x8000;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// What the ROM tries when the profile names no sequence: esptool's order on POSIX.
std::vector<ResetSequence> default_sequences() {
  return {*named_reset_sequence("classic"), *named_reset_sequence("unix-tight")};
}

/// Waits for MicroPython's banner after the reset and returns the version it reports
/// (sys.implementation, else the banner's "MicroPython vX.Y.Z").
std::string running_version(CommandContext& ctx) {
  const Bytes boot = ctx.conn().read_until(">>> ", 15.0);
  std::smatch m;
  const std::string text(boot);
  std::string version;
  if (std::regex_search(text, m, std::regex(R"(MicroPython (v[^ ,;\r\n]+))"))) version = m[1];
  Mpy& mpy = ctx.mpy();
  mpy.reset_state();
  const auto& numbers = mpy.platform().impl_version;
  if (numbers.size() >= 3) {
    version = fmt::format("v{}.{}.{}", numbers[0], numbers[1], numbers[2]);
  }
  if (version.empty()) throw MpyError("the board booted, but reports no MicroPython version");
  return version;
}

}  // namespace

GuardError::~GuardError() = default;

EspSession::EspSession(CommandContext& ctx)
    : ctx_(ctx), rom_(ctx.conn()), link_baud_(ctx.globals().baud) {}

void EspSession::connect() {
  settings_ = firmware_settings(ctx_.profile());
  // What resets this board into the loader (now, or again after a refused baud rate): the
  // profile's sequences, else esptool's.
  sequences_ =
      settings_.bootloader_sequences.empty() ? default_sequences() : settings_.bootloader_sequences;
  // A board entered through machine.bootloader() needs no reset now: SYNC only.
  if (settings_.machine_bootloader) ctx_.mpy().machine_bootloader();
  chip_ = esp_rom::connect(
      rom_, settings_.machine_bootloader ? std::vector<ResetSequence>{} : sequences_, options());
  // The layout is the chip's: from the connection's profile when it is for this chip, else from
  // the profile of the chip the ROM reported.
  if (esp_rom::chip_by_name(settings_.chip) != chip_.chip) {
    const auto profiles = find_profiles(profile_search_path(ctx_.globals().profile_dirs));
    const FirmwareSettings c = firmware_settings(profile_for_chip(profiles, chip_.chip->name));
    settings_.chip = c.chip;
    settings_.bootloader_offset = c.bootloader_offset;
    settings_.partition_table_offset = c.partition_table_offset;
    settings_.app_offset = c.app_offset;
    if (!settings_.baud) settings_.baud = c.baud;
    if (!settings_.block_size) settings_.block_size = c.block_size;
  }
  if (settings_.block_size) rom_.set_block_size(*settings_.block_size);
}

esp_rom::ConnectOptions EspSession::options() {
  esp_rom::ConnectOptions o;
  o.status = [this](std::string_view line) { ctx_.out().verbose(2, line); };
  return o;
}

std::string EspSession::chip_name() const {
  return chip_.revision.empty()
             ? std::string(chip_.chip->name)
             : fmt::format("{} rev{}", chip_.chip->name,
                           chip_.revision.substr(chip_.revision.starts_with("v") ? 1 : 0));
}

std::string EspSession::raise_baud(int baud) {
  if (baud == link_baud_) return {};
  std::string why;
  try {
    rom_.change_baud(baud);
    rom_.read_reg(esp_rom::kChipMagicReg);  // the link carries the new rate both ways
    return {};
  } catch (const Timeout&) {
    why = fmt::format("no answer at {} baud", baud);
  } catch (const ConnError& e) {
    why = fmt::format("the link refused {} baud ({})", baud, e.what());
  } catch (const DeviceError& e) {
    why = fmt::format("the link garbles {} baud ({})", baud, e.what());
  }
  // The ROM may have switched already: back to the link's rate, reset it and sync again.
  ctx_.conn().set_baud(link_baud_);
  esp_rom::connect(rom_, sequences_, options());
  return fmt::format("{}; writing at {}", why, link_baud_);
}

void EspSession::reset_to_firmware() {
  Conn& conn = ctx_.conn();
  try {
    conn.set_baud(link_baud_);
  } catch (const ConnError&) {
    // A link without a rate (TCP) never changed it.
  }
  conn.flush();
  conn.run_reset_sequence(settings_.hard_reset ? *settings_.hard_reset : rts_reset_sequence());
}

std::uint32_t check_image(const EspFirmwareFile& f, std::uint16_t chip_id,
                          std::uint32_t chip_bootloader_offset, std::uint32_t flash_size,
                          const FirmwareSettings& s, std::optional<std::uint32_t> offset,
                          bool force, const std::string& name) {
  auto refuse = [&](const std::string& why, bool forcible) {
    if (!force || !forcible) {
      throw GuardError(fmt::format("{}: {}", name, why),
                       forcible ? "--force writes it anyway" : "");
    }
  };
  if (f.chip_id != chip_id) {
    refuse(fmt::format("an image for {}, but the board is an {}", esp_chip_name(f.chip_id),
                       esp_chip_name(chip_id)),
           true);
  }
  const std::uint32_t boot = s.bootloader_offset.value_or(chip_bootloader_offset);
  const std::uint32_t app = s.app_offset.value_or(kDefaultAppOffset);
  std::uint32_t at = 0;
  if (f.kind == EspFirmwareFile::Kind::kMerged) {
    at = offset.value_or(boot);
    if (at == app && app != boot) {
      refuse(fmt::format("a merged image (bootloader, partition table, app) at the app offset "
                         "0x{:x}: it goes to the bootloader offset 0x{:x}",
                         app, boot),
             true);
    } else if (const std::uint32_t table = s.partition_table_offset.value_or(0x8000);
               table != kPartitionTableOffset) {
      refuse(fmt::format("a merged image with its partition table at 0x{:x}, but the board's "
                         "layout has it at 0x{:x}",
                         kPartitionTableOffset, table),
             true);
    } else if (*f.base != at) {
      refuse(fmt::format("a merged image laid out from 0x{:x}, but it would be written at "
                         "0x{:x} (the {}'s bootloader offset is 0x{:x})",
                         *f.base, at, esp_chip_name(chip_id), boot),
             true);
    }
  } else {
    at = offset.value_or(app);
    if (at == boot) {
      refuse(fmt::format("an app image at the bootloader offset 0x{:x}: it goes to the app "
                         "partition (0x{:x})",
                         boot, app),
             true);
    }
  }
  if (at % 0x1000 != 0) refuse(fmt::format("offset 0x{:x} is not a multiple of 4 KB", at), false);
  if (flash_size != 0 && at + f.size > flash_size) {
    const std::string flash = flash_size % (1u << 20) == 0 ? fmt::format("{} MB", flash_size >> 20)
                                                           : fmt::format("{} KB", flash_size >> 10);
    refuse(fmt::format("{} at 0x{:x} does not fit the board's {} flash", decimal_size(f.size), at,
                       flash),
           true);
  }
  return at;
}

WriteResult write_firmware(CommandContext& ctx, const std::string& data,
                           const WriteRequest& request) {
  const auto start = Clock::now();
  const EspFirmwareFile file = read_esp_firmware(data, request.name);  // before the link opens
  EspSession session(ctx);
  session.connect();
  const esp_rom::ChipDescription& chip = session.chip();
  if (chip.secure_download) {
    throw GuardError(fmt::format("the {} is in Secure Download Mode: its ROM cannot verify a "
                                 "write (MD5) nor report the chip",
                                 chip.chip->name),
                     "write it with the tools of its secure-boot workflow");
  }
  if (chip.flash_encryption) {
    throw GuardError(fmt::format("the {} has flash encryption enabled: a plain image written "
                                 "through the ROM would not boot",
                                 chip.chip->name),
                     "write it encrypted with the tools of its flash-encryption workflow");
  }
  WriteResult r;
  r.chip = session.chip_name();
  r.offset = check_image(file, chip.chip->chip_id, chip.chip->bootloader_offset, chip.flash_size,
                         session.settings(), request.offset, request.force, request.name);
  r.image_version = file.app.desc ? file.app.desc->version : "";
  r.baud = request.baud.value_or(session.settings().baud.value_or(kDefaultBaud));
  r.baud_note = session.raise_baud(r.baud);
  if (!r.baud_note.empty()) {
    logger().warn("{}", r.baud_note);
    r.baud = ctx.globals().baud;
  }
  Output& out = ctx.out();
  std::size_t written = 0;
  try {
    r.report = esp_rom::write_flash(
        session.rom(), r.offset, data, {}, [&](std::size_t done, std::size_t total) {
          written = done;
          out.progress(1, fmt::format("writing {} at 0x{:x}: {}%", request.name, r.offset,
                                      total ? done * 100 / total : 100));
        });
  } catch (const Timeout&) {
    throw;
  } catch (const ConnError& e) {
    // Name the link and how far the write got: the board keeps a half-written image until the
    // command runs again (the ROM erases and rewrites the whole region).
    throw ConnError(fmt::format("lost {} while writing {} at 0x{:x} ({} of {} bytes): {}",
                                ctx.conn().description(), request.name, r.offset, written,
                                data.size(), e.what()),
                    "run the command again: the write starts over");
  }
  out.end_progress();
  session.reset_to_firmware();
  if (request.verify_boot) r.running = running_version(ctx);
  r.seconds = seconds_since(start);
  return r;
}

}  // namespace mpytool::firmware
