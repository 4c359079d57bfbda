// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility for the esp_rom SDK library (`libmpytool-esp_rom`: the ESP ROM serial
/// bootloader protocol).
#pragma once

#include <boost/config.hpp>

#if defined(MPYTOOL_ESP_ROM_BUILDING)
/// Marks a class or function exported from libmpytool-esp_rom.
#define MPYTOOL_ESP_ROM_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_ESP_ROM_API BOOST_SYMBOL_IMPORT
#endif
