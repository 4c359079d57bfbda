// SPDX-License-Identifier: MIT
/// \file
/// The one zlib deflate setup of the tree: one-shot streams (helper code sent compressed, file
/// uploads with a small window) and a session-long stream flushed piece by piece (mount
/// replies). Initialisation and every step are checked.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// How a deflate stream is made (zlib's deflateInit2 parameters).
struct DeflateSettings {
  int level = 9;         ///< 0 (store) to 9 (smallest)
  int window_bits = 15;  ///< window 2^9..2^15 with zlib's header and checksum; negated: raw
  int mem_level = 9;     ///< 1..9: memory for the compressor's state
};

/// One deflate stream (zlib), written piece by piece.
class MPYTOOL_CORE_API Deflater {
 public:
  /// Throws MpyError when zlib refuses \p settings.
  explicit Deflater(const DeflateSettings& settings);
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  /// Starts the stream again (same settings).
  void reset();
  /// Compresses \p data and appends it to \p out. With \p finish the stream ends there;
  /// otherwise it is flushed to a byte boundary (a sync flush), so the receiver can inflate all
  /// of \p data now. Throws MpyError when zlib fails (the stream is then lost).
  void compress(std::string_view data, std::string& out, bool finish);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// \p data compressed as one whole stream with \p settings. Throws MpyError when zlib fails.
MPYTOOL_CORE_API std::string deflate_all(std::string_view data, const DeflateSettings& settings);

}  // namespace mpytool
