// SPDX-License-Identifier: MIT
// Private to libmpytool-files (exported for the unit tests): which uploads share one deflate
// stream, and the agent's open frame that announces them (helpers/agent.py, _mt_up).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "mpytool/files/export.hpp"
#include "mpytool/files/files.hpp"

namespace mpytool::files {

/// Files of at least this many bytes go on their own (their stream gains little from a
/// neighbour's).
inline constexpr std::size_t kBatchFileMax = 16 * 1024;
/// Files in one batch at most: the board holds their list.
inline constexpr std::size_t kBatchFiles = 32;
/// Content bytes of one batch at most: what a failure in it loses.
inline constexpr std::size_t kBatchMax = 64 * 1024;

/// The end (exclusive) of the batch that starts at \p first: the small files from there that
/// may be compressed (an item's own setting, else \p compress, is not false), within the
/// bounds above, whose open frame fits \p max_payload bytes and whose temporary names
/// (Files::temp_path()) differ. A result below first + 2 means no batch.
MPYTOOL_FILES_API std::size_t batch_end(const std::vector<UploadItem>& items, std::size_t first,
                                        std::size_t max_payload, std::optional<bool> compress);

/// The payload of the open frame for items [\p first, \p last) sent as one stream:
/// "mode\0size\0path" for each file after the first mode byte ('z' deflated, 'r' raw).
MPYTOOL_FILES_API std::string open_payload(const std::vector<UploadItem>& items, std::size_t first,
                                           std::size_t last, bool deflated);

}  // namespace mpytool::files
