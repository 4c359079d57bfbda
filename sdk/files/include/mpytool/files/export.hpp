// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility of libmpytool-files.
#pragma once

#include <boost/config.hpp>

#ifdef MPYTOOL_FILES_BUILDING
#define MPYTOOL_FILES_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_FILES_API BOOST_SYMBOL_IMPORT
#endif
