// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility for the uf2 SDK library (`libmpytool-uf2`: UF2 files and the BOOTSEL drive
/// of RP2 boards).
#pragma once

#include <boost/config.hpp>

#if defined(MPYTOOL_UF2_BUILDING)
/// Marks a class or function exported from libmpytool-uf2.
#define MPYTOOL_UF2_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_UF2_API BOOST_SYMBOL_IMPORT
#endif
