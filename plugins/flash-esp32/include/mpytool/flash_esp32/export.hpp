// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility of libmpytool-flash-esp32.
#pragma once

#include <boost/config.hpp>

#ifdef MPYTOOL_FLASH_ESP32_BUILDING
#define MPYTOOL_FLASH_ESP32_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_FLASH_ESP32_API BOOST_SYMBOL_IMPORT
#endif
