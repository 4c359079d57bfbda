// SPDX-License-Identifier: MIT
#include "mpytool/mount/compressor.hpp"

#include "mpytool/base/deflate.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/mount/protocol.hpp"

namespace mpytool::mount {

namespace {

// Raw deflate of \p data alone, only to judge whether it compresses.
std::size_t one_shot_size(std::string_view data, int wbits) {
  try {
    return deflate_all(data, {.level = 1, .window_bits = -wbits, .mem_level = 8}).size();
  } catch (const MpyError&) {
    return data.size();
  }
}

}  // namespace

struct StreamCompressor::Impl {
  Deflater deflater;
  int wbits;
  explicit Impl(int w) : deflater({.level = 9, .window_bits = -w, .mem_level = 9}), wbits(w) {}
};

StreamCompressor::StreamCompressor(int wbits) : impl_(std::make_unique<Impl>(wbits)) {}
StreamCompressor::~StreamCompressor() = default;

void StreamCompressor::reset() { impl_->deflater.reset(); }

std::optional<Bytes> StreamCompressor::pack(std::string_view data) {
  if (data.size() < kMinSize || data.size() > 0xFFFF) return std::nullopt;
  if (one_shot_size(data, impl_->wbits) * 10 > data.size() * 9) return std::nullopt;
  Bytes out;
  put_u16(out, static_cast<std::uint16_t>(data.size()));
  // A failure loses the stream: the caller resets.
  impl_->deflater.compress(data, out, false);
  return out;
}

}  // namespace mpytool::mount
