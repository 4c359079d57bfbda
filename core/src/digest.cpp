// SPDX-License-Identifier: MIT
#include "mpytool/digest.hpp"

#include <openssl/evp.h>

namespace mpytool {

std::string sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace mpytool
