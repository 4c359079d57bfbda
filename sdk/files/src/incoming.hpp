// SPDX-License-Identifier: MIT
// Private to libmpytool-files: the content of one file being downloaded, as the stream and the text
// path receive it piece by piece.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "mpytool/base/digest.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/files/files.hpp"

namespace mpytool::files {

/// One file of a download: each piece is counted against the size the board announced
/// ("download of ':P' longer than its size"), hashed, passed to an observer that streams()
/// and held only when someone needs the whole content (the caller keeps it, or the observer
/// wants it at on_done()).
class Incoming {
 public:
  Incoming(TransferObserver& obs, std::size_t index, std::string_view path, std::int64_t total,
           bool keep)
      : obs_(obs),
        index_(index),
        path_(path),
        total_(total),
        streaming_(obs.streams()),
        hold_(keep || !streaming_) {}

  /// The next piece of the content.
  void take(std::string_view piece) {
    got_ += static_cast<std::int64_t>(piece.size());
    if (got_ > total_) {
      throw MpyError(fmt::format("download of ':{}' longer than its size", path_));
    }
    hash_.update(piece);
    if (streaming_) obs_.on_data(index_, piece);
    if (hold_) data_.append(piece);
  }

  /// Bytes taken so far.
  std::int64_t got() const noexcept { return got_; }
  /// The raw SHA-256 of what was taken.
  std::string digest() const { return hash_.digest(); }
  /// The content for on_done(): nullptr when it was streamed and not held.
  const std::string* content() const noexcept { return hold_ ? &data_ : nullptr; }
  /// The held content, moved out (for a caller that keeps it).
  std::string take_content() { return std::move(data_); }

 private:
  TransferObserver& obs_;
  std::size_t index_;
  std::string_view path_;
  std::int64_t total_;
  bool streaming_;
  bool hold_;
  std::int64_t got_ = 0;
  Sha256 hash_;
  std::string data_;
};

}  // namespace mpytool::files
