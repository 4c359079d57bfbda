// SPDX-License-Identifier: MIT
#include "mpytool/base/digest.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include "mpytool/base/error.hpp"

namespace mpytool {

std::uint32_t crc32_of(std::string_view data, std::uint32_t crc) {
  // crc32() with a null buffer returns its initial value, not crc: an empty view adds nothing.
  if (data.empty()) return crc;
  return static_cast<std::uint32_t>(::crc32(static_cast<uLong>(crc),
                                            reinterpret_cast<const Bytef*>(data.data()),
                                            static_cast<uInt>(data.size())));
}

std::string sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

struct Sha256::Impl {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx.get(), EVP_sha256(), nullptr) != 1) {
    throw MpyError("cannot initialise SHA-256");
  }
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) {
  if (!data.empty() && EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size()) != 1) {
    throw MpyError("SHA-256 update failed");
  }
}

std::string Sha256::digest() const {
  // Finishes a copy, so that the running hash can go on.
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> copy(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!copy || EVP_MD_CTX_copy_ex(copy.get(), impl_->ctx.get()) != 1 ||
      EVP_DigestFinal_ex(copy.get(), md, &len) != 1) {
    throw MpyError("SHA-256 final failed");
  }
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace mpytool
