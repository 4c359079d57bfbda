// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility for the mpy_cross SDK library (`libmpytool-mpy-cross`: the mpy-cross compiler
/// for transparent .mpy).
#pragma once

#include <boost/config.hpp>

#if defined(MPYTOOL_MPY_CROSS_BUILDING)
/// Marks a class or function exported from libmpytool-mpy-cross.
#define MPYTOOL_MPY_CROSS_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_MPY_CROSS_API BOOST_SYMBOL_IMPORT
#endif
