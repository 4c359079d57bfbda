// SPDX-License-Identifier: MIT
/// \file
/// Firmware onto an RP2040/RP2350 board through its BOOTSEL drive (the uf2 SDK library): the
/// UF2 checked against the board, the board into BOOTSEL (machine.bootloader(), or the 1200-baud
/// touch where the profile says the firmware supports it), its drive found by the board's USB
/// serial number, the file copied, the drive's disappearance awaited (a board that ignores a
/// file keeps its drive) and the MicroPython version read once the serial port is back.
#pragma once

#include <optional>
#include <string>

#include "mpytool/firmware/export.hpp"
#include "mpytool/plugin/context.hpp"

namespace mpytool::firmware {

/// How `firmware write FILE.uf2` runs.
struct Uf2Request {
  std::string name;                   ///< the file's name, for messages and on the drive
  std::optional<std::string> drive;   ///< --drive: the BOOTSEL drive's directory
  std::optional<std::string> serial;  ///< --serial: the board's USB serial number
  bool force = false;                 ///< --force: copy a UF2 the checks refuse
  bool verify_boot = true;            ///< wait for the serial port and MicroPython afterwards
  double timeout = 20;                ///< seconds for the drive to come and to go, and the port
};

/// What it did.
struct Uf2Result {
  std::string chip;           ///< "RP2040", "RP2350"
  std::string drive;          ///< the drive's directory
  std::string serial;         ///< the board's USB serial number ("" unknown)
  std::string image_version;  ///< the MicroPython version in the image ("" none found)
  std::size_t bytes = 0;      ///< the file's size
  double copy_seconds = 0;    ///< copying it
  std::string running;        ///< the version MicroPython reports afterwards ("" not checked)
  std::string note;           ///< why the version was not checked ("" when it was)
  double seconds = 0;         ///< the whole command
};

/// `firmware write` of a UF2 file: refuses (GuardError, before a byte is copied) a file for
/// another chip family or past the end of the flash; finds the board (running MicroPython on
/// the link, or in BOOTSEL already: --drive, --serial, or the only drive there is).
MPYTOOL_FIRMWARE_API Uf2Result write_uf2(CommandContext& ctx, const std::string& data,
                                         const Uf2Request& request);

}  // namespace mpytool::firmware
