// SPDX-License-Identifier: MIT
#include "mpytool/files/hash.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <fstream>
#include <memory>

#include "mpytool/base/digest.hpp"
#include "mpytool/base/error.hpp"

namespace mpytool::files {
std::string sha256(std::string_view data) { return mpytool::sha256(data); }

std::string sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw MpyError(fmt::format("cannot read '{}': {}", path.string(), host_error_text(errno)));
  mpytool::Sha256 h;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    h.update(std::string_view(buf, static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) throw MpyError(fmt::format("cannot read '{}'", path.string()));
  return h.digest();
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

}  // namespace mpytool::files
