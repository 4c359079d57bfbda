// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility for the shared core library (`libmpytool-core`).
#pragma once

#include <boost/config.hpp>

#if defined(MPYTOOL_CORE_BUILDING)
/// Marks a class or function exported from libmpytool-core.
#define MPYTOOL_CORE_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_CORE_API BOOST_SYMBOL_IMPORT
#endif
