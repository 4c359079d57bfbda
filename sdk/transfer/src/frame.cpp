// SPDX-License-Identifier: MIT
#include "mpytool/transfer/frame.hpp"

#include <zlib.h>

#include <stdexcept>

namespace mpytool::stream {
namespace {

std::uint32_t read_u32(const char* p) {
  auto b = [p](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])); };
  return b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24;
}

std::uint32_t crc_from(uLong crc, char type, std::string_view payload) {
  const unsigned char head[3] = {static_cast<unsigned char>(type),
                                 static_cast<unsigned char>(payload.size() & 0xff),
                                 static_cast<unsigned char>(payload.size() >> 8)};
  crc = crc32(crc, head, 3);
  // crc32() with a null buffer returns the initial value, not crc: skip empty payloads.
  if (!payload.empty()) {
    crc = crc32(crc, reinterpret_cast<const Bytef*>(payload.data()),
                static_cast<uInt>(payload.size()));
  }
  return static_cast<std::uint32_t>(crc);
}

std::string encode(char type, std::string_view payload, std::uint32_t crc) {
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

}  // namespace

std::uint32_t frame_crc(char type, std::string_view payload) {
  return crc_from(crc32(0L, Z_NULL, 0), type, payload);
}

std::string encode_frame(char type, std::string_view payload) {
  if (payload.size() > 0xffff) throw std::length_error("frame payload too large");
  return encode(type, payload, frame_crc(type, payload));
}

std::string encode_frame(char type, std::string_view payload, std::uint8_t seq) {
  if (payload.size() > 0xffff) throw std::length_error("frame payload too large");
  const unsigned char s[1] = {seq};
  return encode(type, payload, crc_from(crc32(0L, s, 1), type, payload));
}

void FrameDecoder::feed(std::string_view data) {
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(data);
}

void FrameDecoder::skip_one() {
  garbage_ += buf_[pos_];
  ++pos_;
  ++skipped_;
  lost_ = true;
}

std::optional<Frame> FrameDecoder::next() {
  while (!ended_ && pos_ < buf_.size()) {
    const char* p = buf_.data() + pos_;
    const std::size_t avail = buf_.size() - pos_;
    if (p[0] == '\x04' && (!lost_ || buf_.find("\x04>", pos_ + 1) != std::string::npos)) {
      ended_ = true;
      ++pos_;
      return std::nullopt;
    }
    if (static_cast<unsigned char>(p[0]) != kFrameMagic) {
      skip_one();
      continue;
    }
    if (avail < kFrameHeaderSize) return std::nullopt;
    const std::size_t len = static_cast<unsigned char>(p[2]) |
                            static_cast<std::size_t>(static_cast<unsigned char>(p[3])) << 8;
    if (len > kMaxFramePayload) {
      skip_one();
      continue;
    }
    if (avail < kFrameHeaderSize + len) return std::nullopt;
    Frame f;
    f.type = p[1];
    f.payload.assign(p + kFrameHeaderSize, len);
    if (frame_crc(f.type, f.payload) != read_u32(p + 4)) {
      skip_one();
      continue;
    }
    pos_ += kFrameHeaderSize + len;
    lost_ = false;
    return f;
  }
  return std::nullopt;
}

std::string FrameDecoder::take_rest() {
  std::string rest = buf_.substr(pos_);
  buf_.clear();
  pos_ = 0;
  return rest;
}

}  // namespace mpytool::stream
