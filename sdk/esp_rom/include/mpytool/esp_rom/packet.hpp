// SPDX-License-Identifier: MIT
/// \file
/// The ESP ROM loader's packets (before SLIP framing), little-endian:
/// request `00, op, u16 size, u32 checksum, data`; response `01, op, u16 size, u32 value, data`
/// whose data ends with the status bytes (`status` 0 ok / 1 failed, `error`), 4 of them on the
/// ROMs of the ESP32 and later chips, 2 on the ESP8266 ROM and on every flasher stub.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mpytool/base/error.hpp"
#include "mpytool/esp_rom/export.hpp"

namespace mpytool::esp_rom {

/// The loader's commands (the ROM's; 0xD0.. are flasher-stub only).
enum class RomOp : std::uint8_t {
  kFlashBegin = 0x02,
  kFlashData = 0x03,
  kFlashEnd = 0x04,
  kMemBegin = 0x05,
  kMemEnd = 0x06,
  kMemData = 0x07,
  kSync = 0x08,
  kWriteReg = 0x09,
  kReadReg = 0x0A,
  kSpiSetParams = 0x0B,
  kSpiAttach = 0x0D,
  kReadFlashSlow = 0x0E,
  kChangeBaudrate = 0x0F,
  kFlashDeflBegin = 0x10,
  kFlashDeflData = 0x11,
  kFlashDeflEnd = 0x12,
  kSpiFlashMd5 = 0x13,
  kGetSecurityInfo = 0x14,
  kEraseFlash = 0xD0,
  kEraseRegion = 0xD1,
  kReadFlash = 0xD2,
  kRunUserCode = 0xD3,
};

/// "FLASH_BEGIN", "SYNC", ... or "command 0x.." for a value not in RomOp.
MPYTOOL_ESP_ROM_API std::string op_name(RomOp op);

/// The ROM's name for an error byte: 0x05 "invalid message", 0x06 "failed to act on
/// received message", 0x07 "invalid crc", 0x08 "flash write error", 0x09 "flash read error",
/// 0x0A "flash read length error", 0x0B "deflate error", ... "unknown error" otherwise.
MPYTOOL_ESP_ROM_API std::string rom_error_name(std::uint8_t error);

/// The checksum of *_DATA requests: 0xEF XOR-ed with every byte of \p data (the payload after
/// the 16-byte `len, seq, 0, 0` prefix), in the low byte.
MPYTOOL_ESP_ROM_API std::uint32_t rom_checksum(std::string_view data);

/// A request packet (unframed): direction 0, \p op, the size of \p data, \p checksum, \p data.
MPYTOOL_ESP_ROM_API std::string make_request(RomOp op, std::string_view data,
                                             std::uint32_t checksum = 0);

/// A response from the loader.
struct RomResponse {
  RomOp op{};               ///< the command it answers
  std::uint32_t value = 0;  ///< READ_REG's result; SYNC's non-zero on a ROM, 0 from a stub
  std::string data;         ///< the data without the status bytes
  std::uint8_t status = 0;  ///< 0 ok, 1 failed
  std::uint8_t error = 0;   ///< the reason when failed (rom_error_name())
  bool ok() const noexcept { return status == 0; }
};

/// Parses a response packet (unframed) whose data ends with \p status_bytes status bytes (4 on
/// the ROMs this library drives, 2 on stubs). Throws MpyError "malformed ROM response (...)"
/// for a packet too short, not a response, or whose size field does not match.
MPYTOOL_ESP_ROM_API RomResponse parse_response(std::string_view packet,
                                               std::size_t status_bytes = 4);

/// The ROM refused a command: "the ROM refused FLASH_BEGIN (error 0x05: invalid message)".
/// Exit code 4, as for any failure the board reports.
class MPYTOOL_ESP_ROM_API RomError : public DeviceError {
 public:
  RomError(RomOp op, std::uint8_t status, std::uint8_t error);
  ~RomError() override;
  RomOp op() const noexcept { return op_; }
  std::uint8_t status() const noexcept { return status_; }
  /// The ROM's error byte.
  std::uint8_t error() const noexcept { return error_; }
  /// True when the ROM does not know the command (0x05 "invalid message"; a stub's 0xFF).
  bool unsupported() const noexcept { return error_ == 0x05 || error_ == 0xFF; }

 private:
  RomOp op_;
  std::uint8_t status_, error_;
};

/// The flash does not hold what was written: "flash at 0x1000 (1.6 MB) does not match what was
/// written: MD5 <got>, expected <want>". Exit code 4.
class MPYTOOL_ESP_ROM_API VerifyError : public DeviceError {
 public:
  using DeviceError::DeviceError;
  ~VerifyError() override;
};

}  // namespace mpytool::esp_rom
