// SPDX-License-Identifier: MIT
#include "mpytool/transfer/host_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <sstream>
#include <utility>

#include "mpytool/base/error.hpp"

namespace mpytool {
namespace {

/// Most symlinks followed to the final target (as the kernel's MAXSYMLINKS).
constexpr int kMaxLinks = 40;
/// Temporary names tried before giving up (each one exists already: EEXIST).
constexpr int kTempAttempts = 100;

std::vector<std::string>& next_temp_names() {
  static std::vector<std::string> names;
  return names;
}

[[noreturn]] void fail(const std::string& shown, int err) {
  throw MpyError(fmt::format("cannot write '{}': {}", shown, host_error_text(err)));
}

/// Writes all of \p data to \p fd (a pipe may take it in pieces, a non-blocking one later).
/// Returns 0 or the errno.
int write_all(int fd, std::string_view data) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, std::min<std::size_t>(left, std::size_t{1} << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd pfd{fd, POLLOUT, 0};
        ::poll(&pfd, 1, -1);
        continue;
      }
      return errno;
    }
    if (n == 0) return EIO;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return 0;
}

/// The names of this process's stdout and stderr, and their descriptors.
constexpr std::pair<std::string_view, int> kStreamNames[] = {{"-", STDOUT_FILENO},
                                                             {"/dev/stdout", STDOUT_FILENO},
                                                             {"/dev/fd/1", STDOUT_FILENO},
                                                             {"/proc/self/fd/1", STDOUT_FILENO},
                                                             {"/dev/stderr", STDERR_FILENO},
                                                             {"/dev/fd/2", STDERR_FILENO},
                                                             {"/proc/self/fd/2", STDERR_FILENO}};

/// The descriptor of stdout or stderr that \p path names (kStreamNames), or -1. Other
/// /dev/fd/N names (a shell's `>(cmd)`) are opened as the pipes they are.
int named_descriptor(std::string_view path) {
  int fd = -1;
  for (const auto& [name, named] : kStreamNames) {
    if (path == name) fd = named;
  }
  if (fd < 0) return -1;
  // "-" is stdout even when it is closed (the write says so); a name is opened as usual then.
  const int flags = ::fcntl(fd, F_GETFL);
  if (path != "-" && (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)) return -1;
  return fd;
}

/// Flushes what was printed through the standard streams to \p fd (stdout or stderr) first.
void flush_streams(int fd) {
  if (fd == STDOUT_FILENO) {
    std::cout.flush();
    std::fflush(stdout);
  } else if (fd == STDERR_FILENO) {
    std::cerr.flush();
    std::clog.flush();
    std::fflush(stderr);
  }
}

/// The directory part and the name of \p path ("." for a bare name).
std::pair<std::string, std::string> split_path(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

/// Follows the symlinks of \p path's last component to the name that holds (or will hold) the
/// data. \p st is that name's lstat() when \p exists. A stream name on the way (a link to
/// /dev/stdout) is returned with \p fd set. Errors name \p path.
std::string final_target(const std::string& path, struct stat& st, bool& exists, int& fd) {
  std::string cur = path;
  for (int hops = 0;; ++hops) {
    if (hops > 0 && (fd = named_descriptor(cur)) >= 0) return cur;
    if (::lstat(cur.c_str(), &st) != 0) {
      if (errno != ENOENT) fail(path, errno);
      exists = false;
      return cur;
    }
    if (!S_ISLNK(st.st_mode)) {
      exists = true;
      return cur;
    }
    if (hops >= kMaxLinks) fail(path, ELOOP);
    std::string target(static_cast<std::size_t>(std::max<off_t>(st.st_size, 0)) + 256, '\0');
    const ssize_t n = ::readlink(cur.c_str(), target.data(), target.size());
    if (n < 0) fail(path, errno);
    if (static_cast<std::size_t>(n) >= target.size()) fail(path, ENAMETOOLONG);
    target.resize(static_cast<std::size_t>(n));
    if (target.empty()) fail(path, ENOENT);
    cur = target.front() == '/' ? target : split_path(cur).first + "/" + target;
  }
}

/// A temporary name: a test's, else ".mpytool-XXXXXX.mpytmp" with six random letters or digits.
std::string temp_name(std::mt19937_64& rng) {
  auto& planned = next_temp_names();
  if (!planned.empty()) {
    std::string name = std::move(planned.front());
    planned.erase(planned.begin());
    return name;
  }
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(kChars) - 2);
  std::string name = ".mpytool-";
  for (int i = 0; i < 6; ++i) name += kChars[pick(rng)];
  return name + ".mpytmp";
}

}  // namespace

std::string read_host_file(const std::string& path, std::string_view what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UsageError(fmt::format("{} not found: {}", what, path));
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

bool is_stream_path(std::string_view path) noexcept {
  return std::any_of(std::begin(kStreamNames), std::end(kStreamNames),
                     [&](const auto& named) { return named.first == path; });
}

HostFileWriter::~HostFileWriter() { abort(); }

void HostFileWriter::give_up(int err) {
  abort();
  fail(shown_, err);
}

void HostFileWriter::abort() noexcept {
  if (own_fd_ && fd_ >= 0) ::close(fd_);
  if (dirfd_ >= 0) {
    if (!tmp_.empty()) ::unlinkat(dirfd_, tmp_.c_str(), 0);
    ::close(dirfd_);
  }
  fd_ = -1;
  own_fd_ = false;
  dirfd_ = -1;
  tmp_.clear();
  name_.clear();
  open_ = false;
}

void HostFileWriter::open(const std::string& path) {
  abort();
  shown_ = path;
  if (path.empty()) give_up(ENOENT);
  // A descriptor the process has (the shell's stdout or stderr): written as it is.
  auto use_descriptor = [&](int fd) {
    fd_ = fd;
    open_ = true;
  };
  // A device, a FIFO, a terminal: written into, never replaced.
  auto open_in_place = [&](const std::string& at) {
    fd_ = ::open(at.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0) give_up(errno);
    own_fd_ = true;
    open_ = true;
  };
  if (const int fd = named_descriptor(path); fd >= 0) return use_descriptor(fd);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) give_up(EISDIR);
    // Also behind links, /proc/self/fd/N included.
    if (!S_ISREG(st.st_mode)) return open_in_place(path);
  } else if (errno != ENOENT) {
    give_up(errno);
  }
  bool exists = false;
  int fd = -1;
  const std::string target = final_target(path, st, exists, fd);
  if (fd >= 0) return use_descriptor(fd);
  if (exists && S_ISDIR(st.st_mode)) give_up(EISDIR);
  if (exists && !S_ISREG(st.st_mode)) return open_in_place(target);

  // A regular file (or a new one): replaced through a new temporary file in its directory,
  // which takes the old file's mode, owner and group.
  auto [dir, name] = split_path(target);
  if (name.empty() || name == "." || name == "..") give_up(EISDIR);
#ifdef O_PATH
  const int dir_flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
#else
  const int dir_flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
#endif
  dirfd_ = ::open(dir.c_str(), dir_flags);
  if (dirfd_ < 0) give_up(errno);
  name_ = std::move(name);
  std::random_device seed;
  std::mt19937_64 rng((static_cast<std::uint64_t>(seed()) << 32) ^ seed() ^
                      static_cast<std::uint64_t>(::getpid()));
  for (int attempt = 0; attempt < kTempAttempts && fd_ < 0; ++attempt) {
    std::string tmp = temp_name(rng);
    // Never a name that exists, never through a link: what is planted there stays as it is.
    fd_ = ::openat(dirfd_, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd_ >= 0) {
      tmp_ = std::move(tmp);
    } else if (errno != EEXIST) {
      give_up(errno);
    }
  }
  if (fd_ < 0) give_up(EEXIST);
  own_fd_ = true;
  open_ = true;
  if (exists) {
    // Owner and group first (chown clears set-id bits), where permitted; then the mode.
    struct stat now {};
    if (::fstat(fd_, &now) == 0 && (now.st_uid != st.st_uid || now.st_gid != st.st_gid)) {
      if (::fchown(fd_, st.st_uid, st.st_gid) != 0) {
        [[maybe_unused]] const int ignored = ::fchown(fd_, static_cast<uid_t>(-1), st.st_gid);
      }
    }
    ::fchmod(fd_, st.st_mode & 07777);
  }
}

void HostFileWriter::write(std::string_view data) {
  if (!open_) give_up(EBADF);
  if (!own_fd_) flush_streams(fd_);
  if (const int err = write_all(fd_, data)) give_up(err);
}

void HostFileWriter::commit() {
  if (!open_) give_up(EBADF);
  if (own_fd_) {
    const int closed = ::close(fd_);
    fd_ = -1;
    own_fd_ = false;
    if (closed != 0 && errno != EINTR) give_up(errno);
  }
  if (dirfd_ >= 0 && ::renameat(dirfd_, tmp_.c_str(), dirfd_, name_.c_str()) != 0) {
    give_up(errno);
  }
  tmp_.clear();  // renamed: nothing to remove
  abort();
}

void write_host_file(const std::string& path, std::string_view data) {
  HostFileWriter w(path);
  w.write(data);
  w.commit();
}

namespace detail {
void set_next_temp_names(std::vector<std::string> names) { next_temp_names() = std::move(names); }
}  // namespace detail

}  // namespace mpytool
