// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility for the links SDK library (`libmpytool-links`: links opened from a URL,
/// RFC 2217 remote serial ports).
#pragma once

#include <boost/config.hpp>

#if defined(MPYTOOL_LINKS_BUILDING)
/// Marks a class or function exported from libmpytool-links.
#define MPYTOOL_LINKS_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_LINKS_API BOOST_SYMBOL_IMPORT
#endif
