// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility of libmpytool-fs.
#pragma once

#include <boost/config.hpp>

#ifdef MPYTOOL_FS_BUILDING
#define MPYTOOL_FS_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_FS_API BOOST_SYMBOL_IMPORT
#endif
