// SPDX-License-Identifier: MIT
#include "mpytool/uf2/uf2_copy.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "mpytool/base/error.hpp"

namespace mpytool::uf2 {

namespace {

// How long a drive may take to disappear after an error that looks like its going away.
constexpr std::chrono::milliseconds kVanishGrace{1000};

// Errors a file on a disappearing USB drive gives.
bool vanish_errno(int err) {
  return err == EIO || err == ENODEV || err == ENXIO || err == ENOENT || err == ESTALE ||
         err == EBADF || err == ENOTDIR;
}

// The drive is gone, or going: after an error that looks like it, it gets a moment.
bool gone(const Drive& d, int err) {
  if (!drive_present(d)) return true;
  return vanish_errno(err) && wait_drive_gone(d, kVanishGrace);
}

class Copy {
 public:
  Copy(std::span<const std::uint8_t> data, std::string_view name, const Drive& d)
      : data_(data), name_(name), d_(d), path_(d.dir / std::string(name)) {}
  ~Copy() {
    if (fd_ >= 0) ::close(fd_);
  }

  CopyResult run(const std::function<void(std::size_t, std::size_t)>& progress) {
    const std::size_t total = data_.size();
    if (!drive_present(d_)) throw vanished(0);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw failure(errno);
    while (done_ < total) {
      if (!drive_present(d_)) throw vanished(0);
      const std::size_t chunk_end = std::min(total, done_ + kCopyChunk);
      const bool last = chunk_end == total;
      while (done_ < chunk_end) {
        const auto n = ::write(fd_, data_.data() + done_, chunk_end - done_);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          const int err = n < 0 ? errno : EIO;
          // The bootrom may have rebooted on the last blocks while the write was returning.
          if (last && gone(d_, err)) return done_gone();
          throw failure(err);
        }
        done_ += static_cast<std::size_t>(n);
      }
      // Each piece reaches the drive before the next: otherwise the page cache takes the whole
      // file at once, the progress means nothing and a pulled cable shows only at the end.
      if (!last && ::fdatasync(fd_) != 0 && errno != EINVAL) throw failure(errno);
      if (progress) progress(done_, total);
    }
    if (::fsync(fd_) != 0 && errno != EINVAL) {
      const int err = errno;
      if (gone(d_, err)) return done_gone();
      throw failure(err);
    }
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      const int err = errno;
      if (gone(d_, err)) return done_gone();
      throw failure(err);
    }
    return {done_, !drive_present(d_)};
  }

 private:
  CopyResult done_gone() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return {done_, true};
  }

  // The drive vanished (or vanishes) before every byte was written.
  DeviceError vanished(int err) {
    return DeviceError(fmt::format("{} vanished while copying {} ({} of {} bytes)",
                                   describe_drive(d_), name_, done_, data_.size()),
                       err ? err : ENODEV);
  }

  // An error while the copy is unfinished; removes what was written when the drive is there.
  DeviceError failure(int err) {
    if (gone(d_, err)) return vanished(err);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    const auto who = describe_drive(d_);
    if (err != EROFS && err != EACCES && err != EPERM) ::unlink(path_.c_str());
    if (err == EROFS || err == EACCES || err == EPERM)
      return DeviceError(fmt::format("{} is read-only", who), err);
    if (err == ENOSPC || err == EFBIG)
      return DeviceError(fmt::format("{} is full ({} needs {} bytes)", who, name_, data_.size()),
                         err);
    return DeviceError(fmt::format("cannot write '{}': {}", path_.string(), host_error_text(err)),
                       err);
  }

  std::span<const std::uint8_t> data_;
  std::string_view name_;
  const Drive& d_;
  std::filesystem::path path_;
  int fd_ = -1;
  std::size_t done_ = 0;
};

}  // namespace

CopyResult copy_to_drive(std::span<const std::uint8_t> data, std::string_view name, const Drive& d,
                         const std::function<void(std::size_t done, std::size_t total)>& progress) {
  return Copy(data, name, d).run(progress);
}

}  // namespace mpytool::uf2
