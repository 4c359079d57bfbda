// SPDX-License-Identifier: MIT
#include "mpytool/base/deflate.hpp"

#include <zlib.h>

#include "mpytool/base/error.hpp"

namespace mpytool {

struct Deflater::Impl {
  z_stream zs{};
};

Deflater::Deflater(const DeflateSettings& s) : impl_(std::make_unique<Impl>()) {
  if (deflateInit2(&impl_->zs, s.level, Z_DEFLATED, s.window_bits, s.mem_level,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    throw MpyError("deflateInit2 failed");
  }
}

Deflater::~Deflater() { deflateEnd(&impl_->zs); }

void Deflater::reset() { deflateReset(&impl_->zs); }

void Deflater::compress(std::string_view data, std::string& out, bool finish) {
  z_stream& zs = impl_->zs;
  const std::size_t head = out.size();
  // Room for all of it in one call: the bound, and a sync flush's marker on top.
  out.resize(head + deflateBound(&zs, static_cast<uLong>(data.size())) + 16);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data() + head);
  zs.avail_out = static_cast<uInt>(out.size() - head);
  const int rc = deflate(&zs, finish ? Z_FINISH : Z_SYNC_FLUSH);
  const bool ok = finish ? rc == Z_STREAM_END : rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0;
  out.resize(out.size() - zs.avail_out);
  if (!ok) throw MpyError("deflate failed");
}

std::string deflate_all(std::string_view data, const DeflateSettings& settings) {
  Deflater d(settings);
  std::string out;
  d.compress(data, out, true);
  return out;
}

}  // namespace mpytool
