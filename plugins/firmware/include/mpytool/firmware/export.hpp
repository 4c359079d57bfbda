// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility of libmpytool-firmware.
#pragma once

#include <boost/config.hpp>

#ifdef MPYTOOL_FIRMWARE_BUILDING
#define MPYTOOL_FIRMWARE_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_FIRMWARE_API BOOST_SYMBOL_IMPORT
#endif
