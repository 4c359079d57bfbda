// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility for the process SDK library (`libmpytool-process`: finding, starting and
/// waiting for external programs).
#pragma once

#include <boost/config.hpp>

#if defined(MPYTOOL_PROCESS_BUILDING)
/// Marks a class or function exported from libmpytool-process.
#define MPYTOOL_PROCESS_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_PROCESS_API BOOST_SYMBOL_IMPORT
#endif
