// SPDX-License-Identifier: MIT
/// \file
/// SHA-256 for every library that checks data against the board's hash (transfers, flash
/// blocks, firmware images, speedtest): whole buffers, or piece by piece for data that is never
/// held at once (downloads streamed to disk).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// The raw 32-byte SHA-256 digest of \p data (OpenSSL).
MPYTOOL_CORE_API std::string sha256(std::string_view data);

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
