// SPDX-License-Identifier: MIT
// Files: construction, settings and the transfer entry points (placeholder).
#include "mpytool/fs/files.hpp"

#include "mpytool/error.hpp"
#include "mpytool/mpy.hpp"

namespace mpytool::fs {

void TransferObserver::on_start(std::size_t, std::int64_t) {}
void TransferObserver::on_progress(std::size_t, std::int64_t, std::int64_t) {}
void TransferObserver::on_done(std::size_t, const FileResult&, const std::string*) {}

Files::Files(Mpy& mpy, TransferOptions options) : mpy_(mpy), options_(std::move(options)) {}
Files::~Files() = default;

std::string Files::get(std::string_view, const ProgressFn&) { throw MpyError("not implemented"); }
FileResult Files::put(std::string_view, std::string_view, const ProgressFn&, std::optional<bool>) {
  throw MpyError("not implemented");
}
std::vector<FileResult> Files::put_many(const std::vector<UploadItem>&, TransferObserver*) {
  throw MpyError("not implemented");
}
std::vector<std::string> Files::get_many(const std::vector<std::string>&, TransferObserver*,
                                         bool) {
  throw MpyError("not implemented");
}
std::string Files::transfer_path() const { return ""; }
int Files::chunk_size() { return 4096; }
std::string Files::temp_path(std::string_view path) { return std::string(path) + ".mpytmp"; }

}  // namespace mpytool::fs
