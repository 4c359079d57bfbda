// SPDX-License-Identifier: MIT
/// \file
/// `firmware write --file-for KEY=FILE ...`: one command line for a mixed fleet, each board
/// taking the file for its kind. KEY names a profile id (`pico-w`), a profile it extends
/// (`rp2`, `esp32`), the chip of its `firmware.chip` (`rp2040`, `esp32-c3`) or its sys.platform.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mpytool/firmware/export.hpp"
#include "mpytool/profile/board_profile.hpp"

namespace mpytool::firmware {

/// KEY=FILE pairs in the order given. Throws UsageError for a word without '=' or an empty side.
MPYTOOL_FIRMWARE_API std::vector<std::pair<std::string, std::string>> parse_file_for(
    const std::vector<std::string>& words);

/// What a board is known as, most specific first: \p profile's id, the ids it extends (looked up
/// in \p all), its firmware.chip, its platform, then \p platform (what the board said, or
/// "esp32"/"rp2" for a board reached only by its ROM loader or BOOTSEL drive).
MPYTOOL_FIRMWARE_API std::vector<std::string> board_keys(const BoardProfile* profile,
                                                         const std::vector<BoardProfile>& all,
                                                         const std::string& platform);

/// The file of the first pair whose KEY equals one of \p keys (case-insensitive, the most
/// specific key winning); throws UsageError naming the keys when none does.
MPYTOOL_FIRMWARE_API std::string choose_file(
    const std::vector<std::pair<std::string, std::string>>& pairs,
    const std::vector<std::string>& keys);

}  // namespace mpytool::firmware
