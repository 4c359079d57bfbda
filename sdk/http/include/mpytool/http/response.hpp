// SPDX-License-Identifier: MIT
/// \file
/// What a GET brought back.
#pragma once

#include <map>
#include <string>

namespace mpytool::http {

/// One HTTP response, after redirects were followed. A status of 400 or more is a response
/// like any other (the caller words "not found" in its own terms); only a failure to talk to
/// the server throws.
struct Response {
  int status = 0;                              ///< the status code: 200, 404...
  std::string body;                            ///< the whole body, chunked encoding undone
  std::map<std::string, std::string> headers;  ///< header names in lower case; repeats joined ", "
  std::string url;                             ///< the URL that answered (the last redirect's)

  /// True for a 2xx status.
  bool ok() const noexcept { return status >= 200 && status < 300; }
};

}  // namespace mpytool::http
