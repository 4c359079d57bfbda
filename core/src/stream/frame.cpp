// SPDX-License-Identifier: MIT
#include "mpytool/stream/frame.hpp"

#include <spdlog/fmt/fmt.h>
#include <zlib.h>

#include <stdexcept>

#include "mpytool/error.hpp"

namespace mpytool::stream {
namespace {

std::uint32_t read_u32(const char* p) {
  auto b = [p](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])); };
  return b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24;
}

}  // namespace

std::uint32_t frame_crc(char type, std::string_view payload) {
  const unsigned char head[3] = {static_cast<unsigned char>(type),
                                 static_cast<unsigned char>(payload.size() & 0xff),
                                 static_cast<unsigned char>(payload.size() >> 8)};
  uLong crc = crc32(0L, head, 3);
  // crc32() with a null buffer returns the initial value, not crc: skip empty payloads.
  if (!payload.empty()) {
    crc = crc32(crc, reinterpret_cast<const Bytef*>(payload.data()),
                static_cast<uInt>(payload.size()));
  }
  return static_cast<std::uint32_t>(crc);
}

std::string encode_frame(char type, std::string_view payload) {
  if (payload.size() > 0xffff) throw std::length_error("frame payload too large");
  const std::uint32_t crc = frame_crc(type, payload);
  std::string out;
  out.reserve(kFrameHeaderSize + payload.size());
  out += static_cast<char>(kFrameMagic);
  out += type;
  out += static_cast<char>(payload.size() & 0xff);
  out += static_cast<char>(payload.size() >> 8);
  for (int i = 0; i < 4; ++i) out += static_cast<char>((crc >> (8 * i)) & 0xff);
  out.append(payload);
  return out;
}

void FrameDecoder::feed(std::string_view data) {
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(data);
}

std::optional<Frame> FrameDecoder::next() {
  if (ended_ || pos_ >= buf_.size()) return std::nullopt;
  const char* p = buf_.data() + pos_;
  const std::size_t avail = buf_.size() - pos_;
  if (p[0] == '\x04') {
    ended_ = true;
    ++pos_;
    return std::nullopt;
  }
  if (static_cast<unsigned char>(p[0]) != kFrameMagic) {
    throw MpyError(fmt::format("transfer agent: unexpected byte 0x{:02x} from the board",
                               static_cast<unsigned char>(p[0])));
  }
  if (avail < kFrameHeaderSize) return std::nullopt;
  const std::size_t len = static_cast<unsigned char>(p[2]) |
                          static_cast<std::size_t>(static_cast<unsigned char>(p[3])) << 8;
  if (len > kMaxFramePayload) {
    throw MpyError(fmt::format("transfer agent: frame of {} bytes from the board", len));
  }
  if (avail < kFrameHeaderSize + len) return std::nullopt;
  Frame f;
  f.type = p[1];
  f.payload.assign(p + kFrameHeaderSize, len);
  if (frame_crc(f.type, f.payload) != read_u32(p + 4)) {
    throw MpyError("transfer agent: CRC mismatch in a frame from the board");
  }
  pos_ += kFrameHeaderSize + len;
  return f;
}

std::string FrameDecoder::take_rest() {
  std::string rest = buf_.substr(pos_);
  buf_.clear();
  pos_ = 0;
  return rest;
}

}  // namespace mpytool::stream
