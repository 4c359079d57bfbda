// SPDX-License-Identifier: MIT
// `firmware write FILE.uf2` on RP2 boards: every check that needs only the file runs before the
// board is touched; the drive is matched to the board by its USB serial number, never by label.
#include "mpytool/firmware/uf2_flasher.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <functional>
#include <span>
#include <thread>

#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/firmware/esp_flasher.hpp"
#include "mpytool/firmware/firmware_settings.hpp"
#include "mpytool/link/conn.hpp"
#include "mpytool/link/conn_serial.hpp"
#include "mpytool/link/ports.hpp"
#include "mpytool/uf2/bootsel_drive.hpp"
#include "mpytool/uf2/uf2_copy.hpp"
#include "mpytool/uf2/uf2_file.hpp"
#include "mpytool/uf2/uf2_target.hpp"

namespace mpytool::firmware {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(25);
/// Without a profile saying otherwise: the largest flash an RP2 maps (0x10000000..0x11000000).
constexpr std::uint32_t kMaxFlash = 16u << 20;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

/// Polls \p ready every 100 ms until it returns true or \p timeout seconds pass.
bool wait_for(double timeout, const std::function<bool()>& ready) {
  const auto end = Clock::now() + std::chrono::duration<double>(timeout);
  for (;;) {
    if (ready()) return true;
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(kPoll);
  }
}

/// The chip of a board that said "... with RP2350" / of a drive whose model is "Raspberry Pi
/// RP2350" (uf2::chip_from_model); RP2040 when neither says.
std::string chip_from_text(std::string_view text) {
  std::string chip = uf2::chip_from_model(text);
  return chip.empty() ? "RP2040" : chip;
}

/// The drive \p request names, or the only one there is; nullopt when there is none.
std::optional<uf2::Drive> chosen_drive(const Uf2Request& request) {
  if (request.drive) {
    auto d = uf2::read_drive(*request.drive);
    if (!d) {
      throw UsageError(
          fmt::format("'{}' is not a BOOTSEL drive (it has no INFO_UF2.TXT)", *request.drive));
    }
    return d;
  }
  const auto drives = uf2::find_drives();
  if (request.serial) {
    if (const uf2::Drive* d = uf2::drive_for_serial(drives, *request.serial)) return *d;
    return std::nullopt;
  }
  if (drives.size() > 1) {
    std::string names;
    for (const auto& d : drives) names += (names.empty() ? "" : ", ") + uf2::describe_drive(d);
    throw UsageError(fmt::format("{} boards are in BOOTSEL: {}", drives.size(), names),
                     "choose one with --serial SERIAL or --drive DIR");
  }
  if (drives.empty()) return std::nullopt;
  return drives.front();
}

/// The guards: a UF2 for another family or past the flash is refused unless \p force.
void check(const uf2::Uf2Info& info, const std::string& chip, std::uint32_t flash_size,
           const Uf2Request& request) {
  if (auto why = uf2::uf2_mismatch(info, uf2::Uf2Target{chip, flash_size}, request.name)) {
    if (!request.force) throw GuardError(*why, "--force copies it anyway");
  }
}

/// The version MicroPython reports on the reopened link.
std::string running_version(Mpy& mpy) {
  mpy.reset_state();
  const auto& n = mpy.platform().impl_version;
  if (n.size() < 3) throw MpyError("the board came back, but reports no MicroPython version");
  return fmt::format("v{}.{}.{}", n[0], n[1], n[2]);
}

}  // namespace

Uf2Result write_uf2(CommandContext& ctx, const std::string& data, const Uf2Request& request) {
  const auto start = Clock::now();
  const auto bytes = std::as_bytes(std::span(data.data(), data.size()));
  const std::span<const std::uint8_t> image(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                            bytes.size());
  const uf2::Uf2Info info = uf2::parse_uf2(image, request.name);
  Output& out = ctx.out();
  Uf2Result r;
  r.bytes = data.size();
  r.image_version = info.micropython_version;

  // The board: in BOOTSEL already (--drive, --serial, or no MicroPython on the link), or running
  // MicroPython, which is asked for its chip and serial number and sent into BOOTSEL.
  std::optional<uf2::Drive> drive;
  bool running = false;
  bool touch = false;
  if (request.drive || request.serial) drive = chosen_drive(request);
  if (!drive) {
    try {
      Mpy& mpy = ctx.mpy();
      const PlatformInfo& p = mpy.platform();
      running = true;
      if (p.platform != "rp2") {
        throw UsageError(
            fmt::format("{} is a UF2 for RP2 boards; the board on {} runs MicroPython on {}",
                        request.name, ctx.conn().description(), p.platform));
      }
      r.serial = upper(mpy.unique_id().value_or(""));
      const FirmwareSettings s = firmware_settings(ctx.profile());
      r.chip = s.chip.empty() ? chip_from_text(p.machine) : upper(s.chip);
      check(info, r.chip, s.flash_size.value_or(kMaxFlash), request);
      touch = s.touch_1200;
      out.verbose(2, fmt::format("{} ({}, serial {}) into BOOTSEL", ctx.conn().description(),
                                 p.machine, r.serial));
    } catch (const ConnError& e) {
      if (running) throw;
      drive = chosen_drive(request);
      if (!drive && request.serial) {
        throw ConnError(
            fmt::format("no RP2 board in BOOTSEL with serial {}, and none on the "
                        "link ({})",
                        *request.serial, e.what()));
      }
      if (!drive) throw ConnError(fmt::format("{}; and no RP2 board is in BOOTSEL", e.what()));
    }
  }
  if (running) {
    // Into BOOTSEL; the link goes with the board's USB device, so losing it is expected.
    try {
      if (touch) {
        // The firmware's CDC jumps to the bootrom when the host closes the port at 1200 baud.
        ctx.conn().set_baud(1200);
      } else {
        ctx.mpy().machine_bootloader();
      }
    } catch (const ConnError&) {
    }
    ctx.conn().close();
    // The drive whose serial number is the board's (a board without one: the only drive).
    const std::string serial = r.serial;
    const bool found = wait_for(request.timeout, [&] {
      const auto drives = uf2::find_drives();
      const uf2::Drive* d = serial.empty() ? (drives.size() == 1 ? &drives.front() : nullptr)
                                           : uf2::drive_for_serial(drives, serial);
      if (d != nullptr) drive = *d;
      return d != nullptr;
    });
    if (!found) {
      // Looked for in the by-id links: an unmounted drive needs udisksctl (or mount it and name
      // it with --drive).
      throw Timeout(fmt::format(
          "the board (serial {}) showed no mounted BOOTSEL drive within {:g} s (links in {}); "
          "mount it and pass --drive DIR",
          serial, request.timeout, uf2::DriveSources::from_environment().by_id.string()));
    }
  } else {
    if (!drive) {
      throw ConnError(
          fmt::format("no RP2 board in BOOTSEL with serial {}", request.serial.value_or("")));
    }
    r.serial = drive->serial;
    const FirmwareSettings s = firmware_settings(ctx.profile());
    r.chip = s.chip.empty() ? chip_from_text(drive->model) : upper(s.chip);
    check(info, r.chip, s.flash_size.value_or(kMaxFlash), request);
  }
  r.drive = drive->dir.string();
  out.verbose(2, fmt::format("{:.2f} s: {} at {}", seconds_since(start),
                             uf2::describe_drive(*drive), r.drive));

  // Copy, then the drive must go: the bootrom reboots after the last block of a file it takes,
  // and keeps its drive for a file it ignores.
  const auto copy_start = Clock::now();
  const std::string base = std::filesystem::path(request.name).filename().string();
  uf2::copy_to_drive(image, base, *drive, [&](std::size_t done, std::size_t total) {
    out.progress(1, fmt::format("copying {} to {}: {}%", base, uf2::describe_drive(*drive),
                                total ? done * 100 / total : 100));
  });
  out.end_progress();
  out.verbose(2, fmt::format("{:.2f} s: copied", seconds_since(start)));
  r.copy_seconds = seconds_since(copy_start);
  if (!wait_for(request.timeout, [&] { return !uf2::drive_present(*drive); })) {
    throw DeviceError(fmt::format(
        "the board ignored {}: {} is still there {:g} s after the copy (a UF2 for another chip "
        "family or flash range?)",
        base, uf2::describe_drive(*drive), request.timeout));
  }

  out.verbose(2, fmt::format("{:.2f} s: the drive went", seconds_since(start)));
  if (request.verify_boot) {
    // The serial port comes back when MicroPython's USB stack is up: the link's own port, or
    // (a board that was in BOOTSEL and no board named) the USB port with the drive's serial.
    const bool named = running || !ctx.globals().board_args.empty();
    std::string last = "no port";
    std::string port;
    const bool back = wait_for(request.timeout, [&] {
      try {
        if (running) {
          ctx.conn().reconnect(0.5);
        } else if (named) {
          ctx.mpy();
        } else {
          for (const auto& p : list_ports()) {
            if (!r.serial.empty() && upper(p.serial_number) == r.serial) port = p.device;
          }
          return !port.empty();
        }
        return true;
      } catch (const ConnError& e) {
        last = e.what();
        return false;
      }
    });
    if (!back && named) {
      // The drive went, but so does a drive whose cable was pulled: only the port tells.
      throw ConnError(fmt::format(
          "{} went after {} was copied, but the board did not come back on its port within "
          "{:g} s ({}): was it unplugged, or does the image not boot?",
          uf2::describe_drive(*drive), base, request.timeout, last));
    }
    if (!back) {
      r.note = fmt::format("no serial port with serial {} came back within {:g} s", r.serial,
                           request.timeout);
    } else if (named) {
      r.running = running_version(ctx.mpy());
    } else {
      ConnSerial conn(port, ctx.globals().baud);
      Mpy mpy(conn);
      r.running = running_version(mpy);
    }
  }
  r.seconds = seconds_since(start);
  return r;
}

}  // namespace mpytool::firmware
