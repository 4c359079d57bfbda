// SPDX-License-Identifier: MIT
#include "mpytool/mount/protocol.hpp"

#include <stdexcept>

#include "mpytool/base/digest.hpp"

namespace mpytool::mount {

namespace {
unsigned char byte_at(std::string_view data, std::size_t i) {
  return static_cast<unsigned char>(data[i]);
}
}  // namespace

std::uint32_t crc32(std::string_view data, std::uint32_t crc) { return crc32_of(data, crc); }

void put_u16(Bytes& out, std::uint16_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>(v >> 8);
}

void put_u32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::uint32_t get_u32(std::string_view data, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | byte_at(data, at + static_cast<std::size_t>(i));
  return v;
}

std::uint8_t header_check(std::string_view cmd_to_len) {
  unsigned sum = 0;
  for (char c : cmd_to_len) sum += static_cast<unsigned char>(c);
  return static_cast<std::uint8_t>((sum & 0xFF) ^ 0xA5);
}

Parsed parse_request(std::string_view data) {
  Parsed p;
  if (data.empty() || data[0] != kEscape) return p;
  if (data.size() < 2) {
    p.state = Parsed::State::kNeedMore;
    p.need = 2;
    return p;
  }
  if (byte_at(data, 1) != kRequestMagic) return p;
  if (data.size() < kRequestHeader) {
    p.state = Parsed::State::kNeedMore;
    p.need = kRequestHeader;
    return p;
  }
  if (header_check(data.substr(2, 5)) != byte_at(data, 7)) return p;
  const std::uint8_t cmd = byte_at(data, 2) & ~kStreamReset;
  if (cmd < static_cast<std::uint8_t>(Cmd::kStat) ||
      cmd > static_cast<std::uint8_t>(Cmd::kRename)) {
    return p;  // not a command the agent sends: ordinary output
  }
  const std::size_t len = byte_at(data, 5) | (std::size_t{byte_at(data, 6)} << 8);
  const std::size_t total = kRequestHeader + len + kCrcSize;
  if (data.size() < total) {
    p.state = Parsed::State::kNeedMore;
    p.need = total;
    return p;
  }
  const std::uint32_t want = get_u32(data, kRequestHeader + len);
  p.size = total;
  if (crc32(data.substr(2, kRequestHeader - 2 + len)) != want) {
    p.state = Parsed::State::kDamaged;
    p.request.seq = byte_at(data, 4);
    return p;
  }
  p.state = Parsed::State::kRequest;
  p.request.cmd = byte_at(data, 2);
  p.request.mid = byte_at(data, 3);
  p.request.seq = byte_at(data, 4);
  p.request.payload.assign(data.substr(kRequestHeader, len));
  return p;
}

Bytes encode_request(const Request& request) {
  if (request.payload.size() > kMaxPayload) throw std::length_error("mount request too large");
  Bytes out;
  out += kEscape;
  out += static_cast<char>(kRequestMagic);
  out += static_cast<char>(request.cmd);
  out += static_cast<char>(request.mid);
  out += static_cast<char>(request.seq);
  put_u16(out, static_cast<std::uint16_t>(request.payload.size()));
  out += static_cast<char>(header_check(std::string_view(out).substr(2, 5)));
  out += request.payload;
  put_u32(out, crc32(std::string_view(out).substr(2)));
  return out;
}

Bytes encode_reply(const Reply& reply, std::uint8_t seq) {
  if (reply.payload.size() > kMaxPayload) throw std::length_error("mount reply too large");
  Bytes out;
  out.reserve(kReplyHeader + reply.payload.size() + kCrcSize);
  out += kEscape;
  out += static_cast<char>(reply.status);
  out += static_cast<char>(reply.flags);
  out += static_cast<char>(seq);
  put_u16(out, static_cast<std::uint16_t>(reply.payload.size()));
  out += reply.payload;
  put_u32(out, crc32(std::string_view(out).substr(1)));
  return out;
}

}  // namespace mpytool::mount
