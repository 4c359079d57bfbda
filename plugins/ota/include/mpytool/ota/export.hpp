// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility of libmpytool-ota.
#pragma once

#include <boost/config.hpp>

#ifdef MPYTOOL_OTA_BUILDING
#define MPYTOOL_OTA_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_OTA_API BOOST_SYMBOL_IMPORT
#endif
