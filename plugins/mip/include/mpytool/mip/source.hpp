// SPDX-License-Identifier: MIT
/// \file
/// Reading locations (http(s) URLs over the HTTP client, host paths from the disk) many at a
/// time, with outcomes the resolver and fetcher word in their own terms.
#pragma once

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "mpytool/mip/export.hpp"
#include "mpytool/mip/plan.hpp"

namespace mpytool::mip {

/// What reading one location gave.
struct Fetched {
  int status = 0;            ///< 200 ok, 404 not found (a missing host file too), other HTTP codes
  std::string body;          ///< the content when status is 200
  std::exception_ptr error;  ///< a network failure (ConnError, Timeout), else null
  bool ok() const noexcept { return !error && status == 200; }
};

/// Reads http(s) URLs through one http::Client (keep-alive, options.parallel at once) and host
/// paths from the disk.
class MPYTOOL_MIP_API Reader {
 public:
  /// Uses options.client, or makes one on the first URL; with options.offline every URL is
  /// a network failure (ConnError "offline: URL").
  explicit Reader(const ResolveOptions& options);
  ~Reader();

  /// Reads every location, results in order; \p progress as each finishes.
  std::vector<Fetched> read_all(const std::vector<std::string>& locations,
                                const Progress& progress = {});

 private:
  const ResolveOptions& options_;
  std::shared_ptr<http::Client> client_;
};

}  // namespace mpytool::mip
