// SPDX-License-Identifier: MIT
/// \file
/// `firmware info FILE.uf2`: what a UF2 file holds, for people and as JSON.
#pragma once

#include <string>

#include "mpytool/firmware/export.hpp"
#include "mpytool/uf2/uf2_file.hpp"

namespace mpytool::firmware {

/// Lines for people: block count and size, each family with its blocks and address range, the
/// MicroPython version found in the image. \p name is the file's name.
MPYTOOL_FIRMWARE_API std::string describe_uf2(const uf2::Uf2Info& info, const std::string& name,
                                              std::size_t file_size);

/// The same as one JSON object.
MPYTOOL_FIRMWARE_API std::string describe_uf2_json(const uf2::Uf2Info& info,
                                                   const std::string& name, std::size_t file_size);

}  // namespace mpytool::firmware
