// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility for the flash SDK library (`libmpytool-flash`: flash transfer, block planning
/// and firmware images).
#pragma once

#include <boost/config.hpp>

#if defined(MPYTOOL_FLASH_BUILDING)
/// Marks a class or function exported from libmpytool-flash.
#define MPYTOOL_FLASH_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_FLASH_API BOOST_SYMBOL_IMPORT
#endif
