// SPDX-License-Identifier: MIT
#include "deflate_stream.hpp"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>

#include "mpytool/error.hpp"

namespace mpytool::fs {

std::vector<DeflateSegment> deflate_segments(std::string_view data, std::size_t segment,
                                             int wbits) {
  z_stream zs{};
  if (deflateInit2(&zs, 9, Z_DEFLATED, wbits, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::vector<DeflateSegment> out;
  std::size_t pos = 0;
  std::string buf(64 * 1024, '\0');
  do {
    const std::size_t n = std::min(segment, data.size() - pos);
    const bool last = pos + n >= data.size();
    DeflateSegment seg;
    seg.raw_size = n;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + pos));
    zs.avail_in = static_cast<uInt>(n);
    int rc;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf.data());
      zs.avail_out = static_cast<uInt>(buf.size());
      rc = deflate(&zs, last ? Z_FINISH : Z_SYNC_FLUSH);
      if (rc == Z_STREAM_ERROR) {
        deflateEnd(&zs);
        throw std::runtime_error("deflate failed");
      }
      seg.data.append(buf.data(), buf.size() - zs.avail_out);
    } while (zs.avail_out == 0 || (last && rc != Z_STREAM_END));
    out.push_back(std::move(seg));
    pos += n;
  } while (pos < data.size());
  deflateEnd(&zs);
  return out;
}

std::size_t segments_size(const std::vector<DeflateSegment>& segments) {
  std::size_t n = 0;
  for (const auto& s : segments) n += s.data.size();
  return n;
}

int window_bits_for(std::int64_t mem_free) {
  int bits = 15;
  while (bits > 10 && (std::int64_t{1} << bits) > mem_free / 4) --bits;
  return bits;
}

struct Inflater::Impl {
  z_stream zs{};
};

Inflater::Inflater() : impl_(std::make_unique<Impl>()) {
  if (inflateInit2(&impl_->zs, 15) != Z_OK) throw std::runtime_error("inflateInit2 failed");
}

Inflater::~Inflater() { inflateEnd(&impl_->zs); }

void Inflater::feed(std::string_view in, std::string& out) {
  z_stream& zs = impl_->zs;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[16384];
  while (zs.avail_in > 0 && !finished_) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      throw MpyError("corrupt compressed data from the board");
    }
    out.append(buf, sizeof buf - zs.avail_out);
    if (rc == Z_STREAM_END) finished_ = true;
    if (rc == Z_BUF_ERROR && zs.avail_out != 0) break;
  }
}

}  // namespace mpytool::fs
