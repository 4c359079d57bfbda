// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility for the boards SDK library (`libmpytool-boards`: board identity: probing ports
/// and the inventory of named boards).
#pragma once

#include <boost/config.hpp>

#if defined(MPYTOOL_BOARDS_BUILDING)
/// Marks a class or function exported from libmpytool-boards.
#define MPYTOOL_BOARDS_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_BOARDS_API BOOST_SYMBOL_IMPORT
#endif
