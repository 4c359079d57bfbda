// SPDX-License-Identifier: MIT
#include "mpytool/transfer/deflate.hpp"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <new>
#include <stdexcept>

#include "mpytool/base/deflate.hpp"
#include "mpytool/base/error.hpp"

namespace mpytool::stream {

std::string compress_stream(std::string_view data, int wbits) {
  if (wbits >= 15) {
    libdeflate_compressor* c = libdeflate_alloc_compressor(12);
    if (c == nullptr) throw std::bad_alloc();
    std::string out(libdeflate_zlib_compress_bound(c, data.size()), '\0');
    const std::size_t n =
        libdeflate_zlib_compress(c, data.data(), data.size(), out.data(), out.size());
    libdeflate_free_compressor(c);
    if (n == 0) throw std::runtime_error("libdeflate_zlib_compress failed");
    out.resize(n);
    return out;
  }
  return deflate_all(data, {.level = 9, .window_bits = wbits, .mem_level = 9});
}

std::vector<DeflateSegment> cut_stream(std::string_view stream, std::size_t piece) {
  // zlib's inflate decodes a code as soon as its bits are in, like uzlib, so what it has
  // produced after a prefix is exactly what the board can produce from that prefix.
  z_stream zs{};
  if (inflateInit2(&zs, 15) != Z_OK) throw std::runtime_error("inflateInit2 failed");
  std::vector<DeflateSegment> out;
  std::string sink(64 * 1024, '\0');
  std::size_t pos = 0;
  do {
    DeflateSegment seg;
    seg.data.assign(stream.substr(pos, piece));
    pos += seg.data.size();
    zs.next_in = reinterpret_cast<Bytef*>(seg.data.data());
    zs.avail_in = static_cast<uInt>(seg.data.size());
    int rc = Z_OK;
    while (zs.avail_in > 0 && rc != Z_STREAM_END) {
      zs.next_out = reinterpret_cast<Bytef*>(sink.data());
      zs.avail_out = static_cast<uInt>(sink.size());
      rc = inflate(&zs, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END) {
        inflateEnd(&zs);
        throw std::runtime_error("cut_stream: corrupt stream");
      }
      seg.raw_size += sink.size() - zs.avail_out;
    }
    out.push_back(std::move(seg));
  } while (pos < stream.size());
  inflateEnd(&zs);
  return out;
}

std::vector<DeflateSegment> deflate_segments(std::string_view data, std::size_t piece, int wbits) {
  return cut_stream(compress_stream(data, wbits), piece);
}

std::size_t segments_size(const std::vector<DeflateSegment>& segments) {
  std::size_t n = 0;
  for (const auto& s : segments) n += s.data.size();
  return n;
}

std::optional<std::vector<DeflateSegment>> segments_if_worth(std::string_view data,
                                                             std::size_t piece, int wbits,
                                                             std::optional<bool> want,
                                                             std::size_t min_size) {
  if (want == false || (want != true && data.size() < min_size)) return std::nullopt;
  std::vector<DeflateSegment> segs = deflate_segments(data, piece, wbits);
  if (want != true &&
      static_cast<double>(segments_size(segs)) >= 0.9 * static_cast<double>(data.size())) {
    return std::nullopt;
  }
  return segs;
}

int window_bits_for(std::int64_t mem_free) {
  int bits = 15;
  while (bits > 10 && (std::int64_t{1} << bits) > mem_free / 3) --bits;
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
  feed(in, [&out](std::string_view piece) { out.append(piece); });
}

void Inflater::feed(std::string_view in, const std::function<void(std::string_view)>& sink) {
  z_stream& zs = impl_->zs;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[16384];
  // Until the output stops filling the buffer: then all of \p in that zlib could use is used
  // (a full buffer may leave output behind even when the input is all read).
  while (!finished_) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      throw MpyError("corrupt compressed data from the board");
    }
    if (rc == Z_STREAM_END) finished_ = true;
    if (zs.avail_out != sizeof buf) sink(std::string_view(buf, sizeof buf - zs.avail_out));
    if (zs.avail_out != 0) break;
  }
}

}  // namespace mpytool::stream
