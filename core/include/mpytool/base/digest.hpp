// SPDX-License-Identifier: MIT
/// \file
/// SHA-256 for every library that checks data against the board's hash (transfers, flash
/// blocks, firmware images, speedtest): whole buffers, or piece by piece for data that is never
/// held at once (downloads streamed to disk). CRC-32 as the board's binascii.crc32 computes it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// The raw 32-byte SHA-256 digest of \p data (OpenSSL).
MPYTOOL_CORE_API std::string sha256(std::string_view data);

/// CRC-32 (zlib's, as MicroPython's binascii.crc32) of \p data continuing from \p crc.
MPYTOOL_CORE_API std::uint32_t crc32_of(std::string_view data, std::uint32_t crc = 0);

/// An incremental SHA-256 (OpenSSL EVP): update() with the pieces in order, then digest().
/// Reading the digest does not end the hash: more pieces may follow. Throws MpyError
/// when OpenSSL fails.
class MPYTOOL_CORE_API Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  /// Adds \p data to what is hashed.
  void update(std::string_view data);
  /// The raw 32-byte digest of everything added so far.
  std::string digest() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpytool
