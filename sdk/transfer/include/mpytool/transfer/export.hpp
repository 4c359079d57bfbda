// SPDX-License-Identifier: MIT
/// \file
/// Symbol visibility for the transfer SDK library (`libmpytool-transfer`: streaming transfers (the
/// stream agent, its frames and sessions, transfer options, host files)).
#pragma once

#include <boost/config.hpp>

#if defined(MPYTOOL_TRANSFER_BUILDING)
/// Marks a class or function exported from libmpytool-transfer.
#define MPYTOOL_TRANSFER_API BOOST_SYMBOL_EXPORT
#else
#define MPYTOOL_TRANSFER_API BOOST_SYMBOL_IMPORT
#endif
