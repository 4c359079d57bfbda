// SPDX-License-Identifier: MIT
#include "mpytool/links/binary_channel.hpp"

namespace mpytool::links {

// Defined here so the vtable and type information live in libmpytool-links: dynamic_cast from
// a Conn to BinaryChannel then works across the shared libraries.
BinaryChannel::~BinaryChannel() = default;

}  // namespace mpytool::links
