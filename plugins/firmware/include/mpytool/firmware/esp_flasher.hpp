// SPDX-License-Identifier: MIT
/// \file
/// Firmware onto an ESP32-family board through its ROM loader (the esp_rom SDK library): into
/// the bootloader (the profile's reset sequences, or machine.bootloader()), the chip identified,
/// the image checked against it (the guards), written compressed at the right offset, verified
/// with the ROM's MD5, the board reset into the new firmware and its MicroPython version read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mpytool/esp_rom/rom_client.hpp"
#include "mpytool/firmware/esp_firmware_file.hpp"
#include "mpytool/firmware/export.hpp"
#include "mpytool/firmware/firmware_settings.hpp"
#include "mpytool/plugin/context.hpp"

namespace mpytool::firmware {

/// A refused write: the image does not fit the board (chip, offset, size, security). Exit 2
/// like any bad argument; nothing was written.
class MPYTOOL_FIRMWARE_API GuardError : public UsageError {
 public:
  using UsageError::UsageError;
  ~GuardError() override;
};

/// How `firmware write` runs.
struct WriteRequest {
  std::string name;                     ///< the file's name, for messages
  std::optional<std::uint32_t> offset;  ///< --offset; default from the image and the chip
  std::optional<int> baud;              ///< --firmware-baud; default the profile's, 460800
  bool force = false;                   ///< --force: past the chip, offset and size guards
  bool verify_boot = true;              ///< wait for MicroPython afterwards
};

/// What `firmware write` did.
struct WriteResult {
  std::string chip;           ///< "ESP32-D0WD-V3 rev3.0" style: name and revision
  std::uint32_t offset = 0;   ///< where the image went
  std::string image_version;  ///< the app's esp_app_desc_t version
  esp_rom::WriteReport report;
  int baud = 0;           ///< the rate the image was written at
  std::string baud_note;  ///< why it is not the one asked for ("" when it is)
  std::string running;    ///< the version MicroPython reports afterwards ("" not checked)
  double seconds = 0;     ///< the whole command
};

/// Reaches the ROM loader of the board behind \p ctx and keeps what is known of it.
class MPYTOOL_FIRMWARE_API EspSession {
 public:
  explicit EspSession(CommandContext& ctx);

  /// Into the ROM loader and the chip identified; the chip's profile found.
  void connect();
  /// The chip, as the ROM describes it.
  const esp_rom::ChipDescription& chip() const noexcept { return chip_; }
  /// "ESP32 rev v3.0" style.
  std::string chip_name() const;
  esp_rom::RomClient& rom() noexcept { return rom_; }
  /// The settings in force: the connection's profile, its layout from the chip's profile.
  const FirmwareSettings& settings() const noexcept { return settings_; }
  /// Raises the baud rate to \p baud after sync; on a refusal falls back to the link's rate
  /// (resetting the ROM when it had switched already) and returns why, else "".
  std::string raise_baud(int baud);
  /// Back to the link's own rate, then the hard reset into the firmware.
  void reset_to_firmware();

 private:
  /// The progress lines of connecting, at -v -v.
  esp_rom::ConnectOptions options();

  CommandContext& ctx_;
  esp_rom::RomClient rom_;
  std::vector<ResetSequence> sequences_;  ///< into the loader: the profile's, else esptool's
  esp_rom::ChipDescription chip_;
  FirmwareSettings settings_;
  int link_baud_;
};

/// `firmware write`: checks \p data (the guards refuse before a byte is written), writes it,
/// resets the board into it and (with verify_boot) waits for MicroPython.
MPYTOOL_FIRMWARE_API WriteResult write_firmware(CommandContext& ctx, const std::string& data,
                                                const WriteRequest& request);

/// The offset \p f goes to on \p chip_id with \p s, or a GuardError naming what does not fit
/// (image for another chip, a merged image laid out for another bootloader offset, a merged
/// image at the app offset or an app image at the bootloader offset, an image past the end of
/// a \p flash_size flash). \p force lets the chip, offset and size guards pass.
MPYTOOL_FIRMWARE_API std::uint32_t check_image(const EspFirmwareFile& f, std::uint16_t chip_id,
                                               std::uint32_t chip_bootloader_offset,
                                               std::uint32_t flash_size, const FirmwareSettings& s,
                                               std::optional<std::uint32_t> offset, bool force,
                                               const std::string& name);

}  // namespace mpytool::firmware
