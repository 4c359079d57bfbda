// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility for the esp32 SDK library (`libmpytool-esp32`: ESP32 partition tables, otadata
/// and app images).
#pragma once

#include <boost/config.hpp>

#if defined(MPYTOOL_ESP32_BUILDING)
/// Marks a class or function exported from libmpytool-esp32.
#define MPYTOOL_ESP32_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_ESP32_API BOOST_SYMBOL_IMPORT
#endif
