// SPDX-License-Identifier: MIT
// Placeholder: path semantics.
#include "mpytool/fs/paths.hpp"
#include "mpytool/error.hpp"
