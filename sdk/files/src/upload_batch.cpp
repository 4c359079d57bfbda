// SPDX-License-Identifier: MIT
#include "upload_batch.hpp"

#include <set>

namespace mpytool::files {

std::size_t batch_end(const std::vector<UploadItem>& items, std::size_t first,
                      std::size_t max_payload, std::optional<bool> compress) {
  std::size_t raw = 0;
  std::size_t open = 1;
  std::set<std::string> temps;
  std::size_t i = first;
  for (; i < items.size() && i - first < kBatchFiles; ++i) {
    const UploadItem& it = items[i];
    if ((it.compress ? it.compress : compress) == false || it.data.size() >= kBatchFileMax) break;
    raw += it.data.size();
    open += it.remote.size() + 7;  // two separators and the size (5 digits at most)
    // A name too long for its own temporary name shares ".mpytool.mpytmp" with its directory.
    if (raw > kBatchMax || open > max_payload || !temps.insert(Files::temp_path(it.remote)).second)
      break;
  }
  return i;
}

std::string open_payload(const std::vector<UploadItem>& items, std::size_t first, std::size_t last,
                         bool deflated) {
  std::string out(1, deflated ? 'z' : 'r');
  for (std::size_t i = first; i < last; ++i) {
    out += '\0';
    out += std::to_string(items[i].data.size());
    out += '\0';
    out += items[i].remote;
  }
  return out;
}

}  // namespace mpytool::files
