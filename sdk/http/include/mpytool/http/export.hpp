// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility for the http SDK library (`libmpytool-http`: an HTTP/1.1 and HTTPS client).
#pragma once

#include <boost/config.hpp>

#if defined(MPYTOOL_HTTP_BUILDING)
/// Marks a class or function exported from libmpytool-http.
#define MPYTOOL_HTTP_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_HTTP_API BOOST_SYMBOL_IMPORT
#endif
