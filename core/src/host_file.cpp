// SPDX-License-Identifier: MIT
#include "mpytool/host_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "mpytool/error.hpp"

namespace mpytool {

std::string read_host_file(const std::string& path, std::string_view what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UsageError(fmt::format("{} not found: {}", what, path));
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_host_file(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".mpytmp";
  auto fail = [&](int err) {
    std::remove(tmp.c_str());
    throw MpyError(fmt::format("cannot write '{}': {}", path, std::strerror(err)));
  };
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) fail(errno);
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    f.flush();
    if (!f) fail(errno ? errno : EIO);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(errno);
}

}  // namespace mpytool
