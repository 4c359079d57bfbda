// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility of libmpytool-mip.
#pragma once

#include <boost/config.hpp>

#ifdef MPYTOOL_MIP_BUILDING
#define MPYTOOL_MIP_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_MIP_API BOOST_SYMBOL_IMPORT
#endif
