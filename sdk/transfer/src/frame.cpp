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

bool FrameDecoder::frame_after(std::size_t from, std::size_t until) const {
  const char magic = static_cast<char>(kFrameMagic);
  for (std::size_t q = buf_.find(magic, from); q < until; q = buf_.find(magic, q + 1)) {
    if (buf_.size() - q < kFrameHeaderSize) return false;
    const char* p = buf_.data() + q;
    const std::size_t len = static_cast<unsigned char>(p[2]) |
                            static_cast<std::size_t>(static_cast<unsigned char>(p[3])) << 8;
    if (len > kMaxFramePayload || buf_.size() - q < kFrameHeaderSize + len) continue;
    if (frame_crc(p[1], std::string_view(p + kFrameHeaderSize, len)) == read_u32(p + 4)) {
      return true;
    }
  }
  return false;
}

// After bytes that made no frame, a 0x04 is the program's end only where the end can be: the
// raw REPL's "\x04" stdout end, then the traceback (no 0x04 in it) up to "\x04>", with no intact
// frame behind it. A 0x04 inside the damaged frame (a length of 4, a CRC byte) is skipped; one
// whose "\x04>" has not come yet waits for it, unless a frame behind it says the agent runs on.
FrameDecoder::EndCheck FrameDecoder::end_after_loss() const {
  const std::size_t close = buf_.find("\x04>", pos_ + 1);
  if (close == std::string::npos) {
    return frame_after(pos_ + 1, buf_.size()) ? EndCheck::kNo : EndCheck::kWait;
  }
  if (buf_.find('\x04', pos_ + 1) != close) return EndCheck::kNo;  // a later 0x04 is nearer
  return frame_after(pos_ + 1, close) ? EndCheck::kNo : EndCheck::kYes;
}

std::optional<Frame> FrameDecoder::next() {
  while (!ended_ && pos_ < buf_.size()) {
    const char* p = buf_.data() + pos_;
    const std::size_t avail = buf_.size() - pos_;
    if (p[0] == '\x04') {
      const EndCheck end = lost_ ? end_after_loss() : EndCheck::kYes;
      if (end == EndCheck::kYes) {
        ended_ = true;
        ++pos_;
        return std::nullopt;
      }
      if (end == EndCheck::kWait) return std::nullopt;
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
