// SPDX-License-Identifier: MIT
#include "mpytool/esp_rom/packet.hpp"

#include <fmt/format.h>

#include "wire.hpp"

namespace mpytool::esp_rom {

std::string op_name(RomOp op) {
  switch (op) {
    case RomOp::kFlashBegin:
      return "FLASH_BEGIN";
    case RomOp::kFlashData:
      return "FLASH_DATA";
    case RomOp::kFlashEnd:
      return "FLASH_END";
    case RomOp::kMemBegin:
      return "MEM_BEGIN";
    case RomOp::kMemEnd:
      return "MEM_END";
    case RomOp::kMemData:
      return "MEM_DATA";
    case RomOp::kSync:
      return "SYNC";
    case RomOp::kWriteReg:
      return "WRITE_REG";
    case RomOp::kReadReg:
      return "READ_REG";
    case RomOp::kSpiSetParams:
      return "SPI_SET_PARAMS";
    case RomOp::kSpiAttach:
      return "SPI_ATTACH";
    case RomOp::kReadFlashSlow:
      return "READ_FLASH_SLOW";
    case RomOp::kChangeBaudrate:
      return "CHANGE_BAUDRATE";
    case RomOp::kFlashDeflBegin:
      return "FLASH_DEFL_BEGIN";
    case RomOp::kFlashDeflData:
      return "FLASH_DEFL_DATA";
    case RomOp::kFlashDeflEnd:
      return "FLASH_DEFL_END";
    case RomOp::kSpiFlashMd5:
      return "SPI_FLASH_MD5";
    case RomOp::kGetSecurityInfo:
      return "GET_SECURITY_INFO";
    case RomOp::kEraseFlash:
      return "ERASE_FLASH";
    case RomOp::kEraseRegion:
      return "ERASE_REGION";
    case RomOp::kReadFlash:
      return "READ_FLASH";
    case RomOp::kRunUserCode:
      return "RUN_USER_CODE";
  }
  return fmt::format("command 0x{:02X}", static_cast<unsigned>(op));
}

std::string rom_error_name(std::uint8_t error) {
  switch (error) {
    case 0x00:
      return "undefined error";
    case 0x01:
      return "invalid input parameter";
    case 0x02:
      return "out of memory";
    case 0x03:
      return "failed to send the message";
    case 0x04:
      return "failed to receive the message";
    case 0x05:
      return "invalid message";
    case 0x06:
      return "failed to act on the message";
    case 0x07:
      return "checksum error";
    case 0x08:
      return "flash write error";
    case 0x09:
      return "flash read error";
    case 0x0A:
      return "flash read length error";
    case 0x0B:
      return "deflate error";
    case 0x0C:
      return "deflate adler32 error";
    case 0x0D:
      return "deflate parameter error";
    case 0x0E:
      return "invalid RAM binary size";
    case 0x0F:
      return "invalid RAM binary address";
    case 0x64:
      return "invalid parameter";
    case 0x65:
      return "invalid format";
    case 0x66:
      return "description too long";
    case 0x67:
      return "bad encoding description";
    case 0x69:
      return "insufficient storage";
    case 0xFF:
      return "unimplemented command";
    default:
      return "unknown error";
  }
}

std::uint32_t rom_checksum(std::string_view data) {
  std::uint8_t sum = 0xEF;
  for (char c : data) sum ^= static_cast<std::uint8_t>(c);
  return sum;
}

std::string make_request(RomOp op, std::string_view data, std::uint32_t checksum) {
  std::string p;
  p.reserve(8 + data.size());
  p += '\0';
  p += static_cast<char>(op);
  put16(p, static_cast<std::uint16_t>(data.size()));
  put32(p, checksum);
  p += data;
  return p;
}

RomResponse parse_response(std::string_view packet, std::size_t status_bytes) {
  auto bad = [&](std::string_view why) {
    return MpyError(fmt::format("malformed ROM response ({})", why));
  };
  if (packet.size() < 8) throw bad(fmt::format("{} bytes", packet.size()));
  if (packet[0] != '\x01') throw bad(fmt::format("direction 0x{:02X}", +get8(packet, 0)));
  std::size_t size = get16(packet, 2);
  if (size != packet.size() - 8)
    throw bad(fmt::format("size field {} with {} data bytes", size, packet.size() - 8));
  if (size < status_bytes) throw bad(fmt::format("{} data bytes, no status", size));
  RomResponse r;
  r.op = static_cast<RomOp>(packet[1]);
  r.value = get32(packet, 4);
  r.data = std::string(packet.substr(8, size - status_bytes));
  if (status_bytes >= 2) {
    r.status = get8(packet, 8 + size - status_bytes);
    r.error = get8(packet, 9 + size - status_bytes);
  }
  return r;
}

RomError::RomError(RomOp op, std::uint8_t status, std::uint8_t error)
    : DeviceError(fmt::format("the ROM refused {} (error 0x{:02X}: {})", op_name(op), error,
                              rom_error_name(error))),
      op_(op),
      status_(status),
      error_(error) {}
RomError::~RomError() = default;
VerifyError::~VerifyError() = default;

}  // namespace mpytool::esp_rom
