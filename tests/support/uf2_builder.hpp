// SPDX-License-Identifier: MIT
// UF2 files built in the tests: MicroPython-like images (a banner inside, 256-byte payloads)
// and single blocks to break them with.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace mpytool::test {

using Bytes = std::vector<std::uint8_t>;

inline void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

/// One 512-byte block; \p payload fills data[] from its start (payload_size is its length
/// unless \p payload_size is given).
inline Bytes uf2_block(std::uint32_t flags, std::uint32_t target, std::uint32_t block_no,
                       std::uint32_t num_blocks, std::uint32_t family, const Bytes& payload,
                       std::int64_t payload_size = -1) {
  Bytes b(512, 0);
  put32(b, 0, 0x0A324655);
  put32(b, 4, 0x9E5D5157);
  put32(b, 8, flags);
  put32(b, 12, target);
  put32(b, 16,
        payload_size < 0 ? static_cast<std::uint32_t>(payload.size())
                         : static_cast<std::uint32_t>(payload_size));
  put32(b, 20, block_no);
  put32(b, 24, num_blocks);
  put32(b, 28, family);
  std::memcpy(b.data() + 32, payload.data(), std::min<std::size_t>(payload.size(), 476));
  put32(b, 508, 0x0AB16F30);
  return b;
}

/// picotool's RP2350-E10 block: absolute family at 0x10FFFF00, block 0 of 2, 256 bytes of 0xEF,
/// flagged with the RP2_IGNORE_BLOCK extension tag (without it when \p tagged is false).
inline Bytes e10_block(bool tagged = true) {
  Bytes b = uf2_block(tagged ? 0xA000 : 0x2000, 0x10FFFF00, 0, 2, 0xE48BFF57, Bytes(256, 0xEF));
  if (tagged) put32(b, 32 + 256, 0x9957E304);
  return b;
}

/// What image_uf2() builds.
struct ImageSpec {
  std::uint32_t family = 0xE48BFF56;
  std::uint32_t base = 0x10000000;
  std::size_t size = 4096;  ///< image bytes (rounded up to 256-byte blocks)
  /// Text placed in the image at \p text_at (crossing a block boundary by default).
  std::string text = "MicroPython v1.28.0 on 2026-10-01; Raspberry Pi Pico with RP2040";
  std::size_t text_at = 1000;
  bool e10 = false;  ///< start with picotool's E10 block (RP2350 files)
};

/// A MicroPython-like UF2: 256-byte payloads at consecutive addresses from base.
inline Bytes image_uf2(const ImageSpec& s) {
  Bytes image(s.size, 0);
  std::uint32_t x = 12345;
  for (auto& c : image) {
    x = x * 1103515245u + 12345u;
    c = static_cast<std::uint8_t>(0x80 | (x >> 24));  // never printable text
  }
  if (!s.text.empty() && s.text_at + s.text.size() + 1 <= image.size()) {
    std::memcpy(image.data() + s.text_at, s.text.data(), s.text.size());
    image[s.text_at + s.text.size()] = 0;
  }
  const std::uint32_t n = static_cast<std::uint32_t>((s.size + 255) / 256);
  Bytes out;
  if (s.e10) out = e10_block();
  for (std::uint32_t i = 0; i < n; ++i) {
    Bytes payload(256, 0);
    const std::size_t from = std::size_t{i} * 256;
    std::memcpy(payload.data(), image.data() + from, std::min<std::size_t>(256, s.size - from));
    auto b = uf2_block(0x2000, s.base + i * 256, i, n, s.family, payload);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

/// Appends \p b to \p file.
inline void append(Bytes& file, const Bytes& b) { file.insert(file.end(), b.begin(), b.end()); }

}  // namespace mpytool::test
