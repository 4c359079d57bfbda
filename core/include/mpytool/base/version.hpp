// SPDX-License-Identifier: MIT
/// \file
/// Version numbers of mpytool and of the plugin ABI.
#pragma once

#include <cstdint>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// Bumped whenever any type reachable from Plugin / Command / CommandContext / Mpy changes
/// layout or vtable. A plugin built for another ABI number is refused before it runs.
inline constexpr std::uint32_t kPluginAbiVersion = 9;

#define MPYTOOL_STR2_(x) #x
#define MPYTOOL_STR_(x) MPYTOOL_STR2_(x)
#if defined(__clang__)
#define MPYTOOL_COMPILER_TAG_ "clang-" MPYTOOL_STR_(__clang_major__)
#elif defined(__GNUC__)
#define MPYTOOL_COMPILER_TAG_ "gcc-" MPYTOOL_STR_(__GNUC__)
#else
#define MPYTOOL_COMPILER_TAG_ "cc"
#endif
#if defined(_GLIBCXX_USE_CXX11_ABI)
#define MPYTOOL_STDLIB_TAG_ " libstdc++ cxx11abi=" MPYTOOL_STR_(_GLIBCXX_USE_CXX11_ABI)
#else
#define MPYTOOL_STDLIB_TAG_ " stdlib"
#endif
/// Compiler and standard-library ABI fingerprint; host and plugin must agree.
#define MPYTOOL_BUILD_TAG MPYTOOL_COMPILER_TAG_ MPYTOOL_STDLIB_TAG_

/// mpytool's own version, e.g. "0.1.0".
MPYTOOL_CORE_API const char* version_string();

/// The git revision the core was configured from ("4c26a56", "4c26a56-dirty"), or "unknown"
/// outside a git checkout.
MPYTOOL_CORE_API const char* revision_string();

}  // namespace mpytool
