// SPDX-License-Identifier: MIT
// Placeholder: simple file operations (ls, tree, stat, mkdir, remove, rename, hashes).
#include "mpytool/error.hpp"
#include "mpytool/fs/files.hpp"

namespace mpytool::fs {
std::vector<Entry> Files::ls(std::string_view) { throw MpyError("not implemented"); }
TreeNode Files::tree(std::string_view) { throw MpyError("not implemented"); }
std::optional<std::int64_t> Files::stat(std::string_view) { throw MpyError("not implemented"); }
void Files::mkdir(std::string_view) { throw MpyError("not implemented"); }
void Files::mkdirs(const std::vector<std::string>&) { throw MpyError("not implemented"); }
void Files::remove(std::string_view) { throw MpyError("not implemented"); }
void Files::rename(std::string_view, std::string_view) { throw MpyError("not implemented"); }
std::optional<std::string> Files::hashfile(std::string_view) { throw MpyError("not implemented"); }
std::optional<std::map<std::string, std::optional<FileInfo>>> Files::fileinfo(
    const std::map<std::string, std::int64_t>&) {
  throw MpyError("not implemented");
}
}  // namespace mpytool::fs
