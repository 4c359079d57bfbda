// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility of libmpytool-flash-rp2.
#pragma once

#include <boost/config.hpp>

#ifdef MPYTOOL_FLASH_RP2_BUILDING
#define MPYTOOL_FLASH_RP2_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_FLASH_RP2_API BOOST_SYMBOL_IMPORT
#endif
