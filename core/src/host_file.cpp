// SPDX-License-Identifier: MIT
#include "mpytool/host_file.hpp"

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
#include <random>
#include <sstream>

#include "mpytool/error.hpp"

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

/// The descriptor of stdout or stderr that \p path names ("-", /dev/stdout, /dev/fd/1,
/// /proc/self/fd/1, the same for 2), or -1. Other /dev/fd/N names (a shell's `>(cmd)`) are
/// opened as the pipes they are.
int named_descriptor(std::string_view path) {
  int fd = -1;
  if (path == "-" || path == "/dev/stdout" || path == "/dev/fd/1" || path == "/proc/self/fd/1") {
    fd = STDOUT_FILENO;
  } else if (path == "/dev/stderr" || path == "/dev/fd/2" || path == "/proc/self/fd/2") {
    fd = STDERR_FILENO;
  } else {
    return -1;
  }
  // "-" is stdout even when it is closed (the write says so); a name is opened as usual then.
  const int flags = ::fcntl(fd, F_GETFL);
  if (path != "-" && (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)) return -1;
  return fd;
}

/// Writes to a descriptor the process has: what was printed through the standard streams first.
void write_descriptor(const std::string& shown, int fd, std::string_view data) {
  if (fd == STDOUT_FILENO) {
    std::cout.flush();
    std::fflush(stdout);
  } else if (fd == STDERR_FILENO) {
    std::cerr.flush();
    std::clog.flush();
    std::fflush(stderr);
  }
  if (const int err = write_all(fd, data)) fail(shown, err);
}

/// Writes into what \p path is (a device, a FIFO, a terminal), never replacing it.
void write_in_place(const std::string& shown, const std::string& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) fail(shown, errno);
  int err = write_all(fd, data);
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;
  if (err) fail(shown, err);
}

/// The directory part and the name of \p path ("." for a bare name).
std::pair<std::string, std::string> split_path(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

/// Follows the symlinks of \p path's last component to the name that holds (or will hold) the
/// data. \p st is that name's lstat() when \p exists. A stream name on the way (a link to
/// /dev/stdout) is returned with \p fd set.
std::string final_target(const std::string& shown, const std::string& path, struct stat& st,
                         bool& exists, int& fd) {
  std::string cur = path;
  for (int hops = 0;; ++hops) {
    if (hops > 0 && (fd = named_descriptor(cur)) >= 0) return cur;
    if (::lstat(cur.c_str(), &st) != 0) {
      if (errno != ENOENT) fail(shown, errno);
      exists = false;
      return cur;
    }
    if (!S_ISLNK(st.st_mode)) {
      exists = true;
      return cur;
    }
    if (hops >= kMaxLinks) fail(shown, ELOOP);
    std::string target(static_cast<std::size_t>(std::max<off_t>(st.st_size, 0)) + 256, '\0');
    const ssize_t n = ::readlink(cur.c_str(), target.data(), target.size());
    if (n < 0) fail(shown, errno);
    if (static_cast<std::size_t>(n) >= target.size()) fail(shown, ENAMETOOLONG);
    target.resize(static_cast<std::size_t>(n));
    if (target.empty()) fail(shown, ENOENT);
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

/// Replaces (or creates) the regular file \p target through a new temporary file in its
/// directory. \p old: the file it replaces, whose mode, owner and group the new one takes.
void replace_atomically(const std::string& shown, const std::string& target, const struct stat* old,
                        std::string_view data) {
  const auto [dir, name] = split_path(target);
  if (name.empty() || name == "." || name == "..") fail(shown, EISDIR);
#ifdef O_PATH
  const int dir_flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
#else
  const int dir_flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
#endif
  const int dirfd = ::open(dir.c_str(), dir_flags);
  if (dirfd < 0) fail(shown, errno);
  std::random_device seed;
  std::mt19937_64 rng((static_cast<std::uint64_t>(seed()) << 32) ^ seed() ^
                      static_cast<std::uint64_t>(::getpid()));
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < kTempAttempts && fd < 0; ++attempt) {
    tmp = temp_name(rng);
    // Never a name that exists, never through a link: what is planted there stays as it is.
    fd = ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) {
      const int err = errno;
      ::close(dirfd);
      fail(shown, err);
    }
  }
  if (fd < 0) {
    ::close(dirfd);
    fail(shown, EEXIST);
  }
  auto give_up = [&](int err) {
    if (fd >= 0) ::close(fd);
    ::unlinkat(dirfd, tmp.c_str(), 0);
    ::close(dirfd);
    fail(shown, err);
  };
  if (old) {
    // Owner and group first (chown clears set-id bits), where permitted; then the mode.
    struct stat now {};
    if (::fstat(fd, &now) == 0 && (now.st_uid != old->st_uid || now.st_gid != old->st_gid)) {
      if (::fchown(fd, old->st_uid, old->st_gid) != 0) {
        [[maybe_unused]] const int ignored = ::fchown(fd, static_cast<uid_t>(-1), old->st_gid);
      }
    }
    ::fchmod(fd, old->st_mode & 07777);
  }
  if (const int err = write_all(fd, data)) give_up(err);
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0 && errno != EINTR) give_up(errno);
  if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) give_up(errno);
  ::close(dirfd);
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
  for (std::string_view name : {"-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", "/dev/stderr",
                                "/dev/fd/2", "/proc/self/fd/2"}) {
    if (path == name) return true;
  }
  return false;
}

void write_host_file(const std::string& path, std::string_view data) {
  if (path.empty()) fail(path, ENOENT);
  if (const int fd = named_descriptor(path); fd >= 0) return write_descriptor(path, fd, data);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) fail(path, EISDIR);
    // A device, a FIFO, a terminal (also behind links, /proc/self/fd/N included): written into.
    if (!S_ISREG(st.st_mode)) return write_in_place(path, path, data);
  } else if (errno != ENOENT) {
    fail(path, errno);
  }
  bool exists = false;
  int fd = -1;
  const std::string target = final_target(path, path, st, exists, fd);
  if (fd >= 0) return write_descriptor(path, fd, data);
  if (exists && S_ISDIR(st.st_mode)) fail(path, EISDIR);
  if (exists && !S_ISREG(st.st_mode)) return write_in_place(path, target, data);
  replace_atomically(path, target, exists ? &st : nullptr, data);
}

namespace detail {
void set_next_temp_names(std::vector<std::string> names) { next_temp_names() = std::move(names); }
}  // namespace detail

}  // namespace mpytool
