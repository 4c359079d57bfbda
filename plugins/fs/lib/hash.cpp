// SPDX-License-Identifier: MIT
#include "mpytool/fs/hash.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cerrno>
#include <fstream>
#include <memory>

#include "mpytool/digest.hpp"
#include "mpytool/error.hpp"

namespace mpytool::fs {
namespace {

/// An EVP SHA-256 context fed piece by piece.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
      throw MpyError("cannot initialise SHA-256");
  }
  void update(const char* data, std::size_t size) {
    if (size != 0 && EVP_DigestUpdate(ctx_.get(), data, size) != 1)
      throw MpyError("SHA-256 update failed");
  }
  std::string digest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1) throw MpyError("SHA-256 final failed");
    return std::string(reinterpret_cast<const char*>(md), len);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

}  // namespace

std::string sha256(std::string_view data) { return mpytool::sha256(data); }

std::string sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw MpyError(fmt::format("cannot read '{}': {}", path.string(), host_error_text(errno)));
  Sha256 h;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    h.update(buf, static_cast<std::size_t>(in.gcount()));
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

}  // namespace mpytool::fs
