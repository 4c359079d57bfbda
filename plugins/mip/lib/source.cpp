// SPDX-License-Identifier: MIT
#include "mpytool/mip/source.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mpytool/base/error.hpp"
#include "mpytool/http/client.hpp"
#include "mpytool/mip/spec.hpp"

namespace mpytool::mip {
namespace {

namespace fs = std::filesystem;

Fetched read_host(const std::string& path) {
  Fetched f;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    f.status = 404;
    return f;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in || in.bad()) {
    f.error = std::make_exception_ptr(MpyError(fmt::format("cannot read '{}'", path)));
    return f;
  }
  f.status = 200;
  f.body = ss.str();
  return f;
}

}  // namespace

Reader::Reader(const ResolveOptions& options) : options_(options), client_(options.client) {}

Reader::~Reader() = default;

std::vector<Fetched> Reader::read_all(const std::vector<std::string>& locations,
                                      const Progress& progress) {
  std::vector<Fetched> out(locations.size());
  std::vector<std::string> urls;
  std::vector<std::size_t> where;
  std::size_t done = 0;
  for (std::size_t i = 0; i < locations.size(); ++i) {
    if (is_http_url(locations[i])) {
      urls.push_back(locations[i]);
      where.push_back(i);
      continue;
    }
    out[i] = read_host(locations[i]);
    ++done;
    if (progress) progress(done, locations.size(), locations[i]);
  }
  if (urls.empty()) return out;
  if (options_.offline) {
    for (std::size_t k = 0; k < urls.size(); ++k) {
      out[where[k]].error =
          std::make_exception_ptr(ConnError(fmt::format("offline: not fetching {}", urls[k])));
    }
    return out;
  }
  if (!client_) client_ = std::make_shared<http::Client>();
  const std::size_t base = done;
  http::FetchProgress fp;
  if (progress) {
    fp = [&](std::size_t d, std::size_t, const std::string& url) {
      progress(base + d, locations.size(), url);
    };
  }
  const auto results = client_->get_all(urls, options_.parallel > 0 ? options_.parallel : 1, fp);
  for (std::size_t k = 0; k < results.size(); ++k) {
    Fetched& f = out[where[k]];
    if (const auto* r = std::get_if<http::Response>(&results[k])) {
      f.status = r->status;
      if (r->ok()) f.status = 200;
      f.body = r->body;
    } else {
      f.error = std::get<std::exception_ptr>(results[k]);
      // "cannot read from HOST: why" names the host only: name the URL that was cut short.
      try {
        std::rethrow_exception(f.error);
      } catch (const ConnError& e) {
        const std::string_view what = e.what();
        const auto colon = what.find(": ");
        if (what.starts_with("cannot read from ") && colon != std::string_view::npos) {
          std::string why(what.substr(colon + 2));
          if (why == "partial message") why += " (the server closed the connection)";
          f.error = std::make_exception_ptr(
              ConnError(fmt::format("cannot read {}: {}", locations[where[k]], why), e.hint()));
        }
      } catch (...) {
      }
    }
  }
  return out;
}

}  // namespace mpytool::mip
