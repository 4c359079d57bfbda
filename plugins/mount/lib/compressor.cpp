// SPDX-License-Identifier: MIT
#include "mpytool/mount/compressor.hpp"

#include <zlib.h>

#include <stdexcept>

#include "mpytool/mount/protocol.hpp"

namespace mpytool::mount {

namespace {

// Raw deflate of \p data alone, only to judge whether it compresses.
std::size_t one_shot_size(std::string_view data, int wbits) {
  z_stream zs{};
  if (deflateInit2(&zs, 1, Z_DEFLATED, -wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK) return data.size();
  Bytes out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  const std::size_t n = zs.total_out;
  deflateEnd(&zs);
  return n;
}

}  // namespace

struct StreamCompressor::Impl {
  z_stream zs{};
  int wbits;
  explicit Impl(int w) : wbits(w) {
    if (deflateInit2(&zs, 9, Z_DEFLATED, -wbits, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::runtime_error("deflateInit2 failed");
    }
  }
  ~Impl() { deflateEnd(&zs); }
};

StreamCompressor::StreamCompressor(int wbits) : impl_(std::make_unique<Impl>(wbits)) {}
StreamCompressor::~StreamCompressor() = default;

void StreamCompressor::reset() { deflateReset(&impl_->zs); }

std::optional<Bytes> StreamCompressor::pack(std::string_view data) {
  if (data.size() < kMinSize || data.size() > 0xFFFF) return std::nullopt;
  if (one_shot_size(data, impl_->wbits) * 10 > data.size() * 9) return std::nullopt;
  z_stream& zs = impl_->zs;
  Bytes out;
  put_u16(out, static_cast<std::uint16_t>(data.size()));
  const std::size_t head = out.size();
  out.resize(head + deflateBound(&zs, static_cast<uLong>(data.size())) + 16);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data() + head);
  zs.avail_out = static_cast<uInt>(out.size() - head);
  const int rc = deflate(&zs, Z_SYNC_FLUSH);
  if (rc != Z_OK || zs.avail_in != 0 || zs.avail_out == 0) {
    throw std::runtime_error("deflate failed");  // the stream is lost: the caller resets
  }
  out.resize(out.size() - zs.avail_out);
  return out;
}

}  // namespace mpytool::mount
