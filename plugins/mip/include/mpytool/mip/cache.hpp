// SPDX-License-Identifier: MIT
/// \file
/// The host cache of downloads: files by content (full sha256), frozen package JSONs by URL,
/// and the last JSON/`urls` download of each URL as a stand-in when the network fails.
#pragma once

#include <optional>
#include <string>

#include "mpytool/mip/export.hpp"

namespace mpytool::mip {

/// A content-addressed cache in a host directory: files/ab/<64 hex sha256>,
/// json/<sha256 of URL>.json (frozen: a named version, consulted first), stale/<sha256 of
/// URL> (the last download of a "latest" JSON or a `urls` file: used only when the network
/// fails). Writes are atomic (temp + rename); a cache that cannot be written is ignored.
class MPYTOOL_MIP_API Cache {
 public:
  /// \p dir "" = default_cache_dir(); "-" = a disabled cache (every lookup misses).
  explicit Cache(std::string dir = {});

  /// The directory ("" when disabled).
  const std::string& dir() const noexcept { return dir_; }

  /// The file whose sha256 starts with \p hash (4..64 lower-case hex), checked again on
  /// read; nullopt when absent, ambiguous or damaged.
  std::optional<std::string> file(const std::string& hash) const;
  /// Stores \p data under its sha256 (returns the 64 hex).
  std::string put_file(const std::string& data) const;

  /// The frozen JSON of \p url, nullopt when absent.
  std::optional<std::string> json(const std::string& url) const;
  /// Stores a frozen JSON of \p url.
  void put_json(const std::string& url, const std::string& text) const;

  /// The last download of \p url (stand-in when offline), nullopt when absent.
  std::optional<std::string> stale(const std::string& url) const;
  /// Records the last download of \p url.
  void put_stale(const std::string& url, const std::string& text) const;

 private:
  std::string dir_;
};

/// The lower-case hex of the sha256 of \p data.
MPYTOOL_MIP_API std::string sha256_hex(const std::string& data);

}  // namespace mpytool::mip
