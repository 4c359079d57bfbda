// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility of libmpytool-mount.
#pragma once

#include <boost/config.hpp>

#ifdef MPYTOOL_MOUNT_BUILDING
#define MPYTOOL_MOUNT_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_MOUNT_API BOOST_SYMBOL_IMPORT
#endif
