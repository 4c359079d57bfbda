// SPDX-License-Identifier: MIT
/// \file
/// Firmware image formats, checked on the host before a byte is sent (used by the flash and
/// OTA plugins). ESP app images are verified as the ESP-IDF bootloader verifies them: magic,
/// segment headers inside the file, the XOR checksum and the appended SHA-256; the chip id of
/// the extended header and the `esp_app_desc_t` are read for the user and for the checks
/// against the board. UF2 files are recognised so that rp2 users can be sent to BOOTSEL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/base/error.hpp"
#include "mpytool/flash/export.hpp"

namespace mpytool {

/// A firmware file that cannot be what it claims (or what the board needs); the message names
/// the file and the first problem found. Exit code 2, as for any bad argument.
class MPYTOOL_FLASH_API ImageError : public UsageError {
 public:
  using UsageError::UsageError;
  ~ImageError() override;
};

/// One segment of an ESP app image.
struct EspSegment {
  std::uint32_t load_addr = 0;  ///< where the bootloader loads it
  std::uint32_t offset = 0;     ///< offset of its data in the file
  std::uint32_t size = 0;       ///< data length
};

/// The application description (`esp_app_desc_t`, magic 0xABCD5432) at the start of the first
/// segment's data.
struct EspAppDesc {
  std::string project_name;
  std::string version;
  std::string idf_version;
  std::string date;
  std::string time;
  std::uint32_t secure_version = 0;
};

/// A verified ESP app image.
struct EspAppImage {
  std::uint16_t chip_id = 0;  ///< extended header: 0 ESP32, 2 ESP32-S2, 9 ESP32-S3, ...
  std::uint32_t entry = 0;    ///< entry point
  std::vector<EspSegment> segments;
  std::uint8_t checksum = 0;   ///< the XOR checksum (seed 0xEF) over the segments' data
  bool hash_appended = false;  ///< a SHA-256 of the image follows the checksum
  /// Bytes the bootloader reads: header, segments, padding, checksum and the hash; anything
  /// after it (0xFF padding of a flash dump) is not part of the image.
  std::size_t size = 0;
  std::optional<EspAppDesc> desc;  ///< when the first segment starts with one
};

/// ESP-IDF's magic byte of an app image.
inline constexpr std::uint8_t kEspImageMagic = 0xE9;
/// `esp_app_desc_t`'s magic word.
inline constexpr std::uint32_t kEspAppDescMagic = 0xABCD5432;

/// Parses and verifies \p data as the bootloader would. Throws ImageError ("NAME: not an ESP
/// app image (first byte 0x.., expected 0xE9)", "...: truncated in segment 2", "...: checksum
/// 0x.. does not match 0x..", "...: SHA-256 does not match the image", ...). \p name is how the
/// messages call the file.
MPYTOOL_FLASH_API EspAppImage parse_esp_app_image(std::string_view data,
                                                  std::string_view name = "image");

/// The `esp_app_desc_t` of an app image from its first bytes (at least 288), without verifying
/// the rest; nullopt when they do not start an app image with a description.
MPYTOOL_FLASH_API std::optional<EspAppDesc> read_app_desc(std::string_view first);

/// "ESP32", "ESP32-S2", "ESP32-C3", "ESP32-S3", "ESP32-C2", "ESP32-C6", "ESP32-H2", "ESP32-P4",
/// or "chip 0x.." for an id mpytool does not know.
MPYTOOL_FLASH_API std::string esp_chip_name(std::uint16_t chip_id);

/// The chip id that the esp32 port's `os.uname().machine` names ("Generic ESP32S3 module with
/// ESP32S3" -> 9), or nullopt when it names none.
MPYTOOL_FLASH_API std::optional<std::uint16_t> esp_chip_from_machine(std::string_view machine);

/// True if \p data starts with a UF2 block (magic words 0x0A324655, 0x9E5D5157).
MPYTOOL_FLASH_API bool is_uf2(std::string_view data);

}  // namespace mpytool
