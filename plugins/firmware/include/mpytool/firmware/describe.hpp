// SPDX-License-Identifier: MIT
/// \file
/// `firmware info FILE`: what a firmware file holds, for people and as JSON.
#pragma once

#include <string>

#include "mpytool/firmware/esp_firmware_file.hpp"

namespace mpytool::firmware {

/// Lines for people: kind and chip, flash settings, each image with its segments and checks,
/// the partition table, the app's esp_app_desc_t. \p name is the file's name.
MPYTOOL_FIRMWARE_API std::string describe(const EspFirmwareFile& f, const std::string& name);

/// The same as one JSON object.
MPYTOOL_FIRMWARE_API std::string describe_json(const EspFirmwareFile& f, const std::string& name);

}  // namespace mpytool::firmware
