// SPDX-License-Identifier: MIT
// The request handlers of one mount. Every path goes through the Jail first; host files are
// opened with O_NOFOLLOW (the jail resolved every symlink already) and reads and writes are
// positional, so a resent or reordered request cannot move a file pointer.
#include "mpytool/mount/server.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

#include "mpytool/mpy_cross/mpy_cross.hpp"

namespace mpytool::mount {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxFds = 127;
constexpr std::size_t kMaxEntries = 1000;
constexpr std::size_t kMaxRead = 16384;

Reply error(int e) {
  Reply r;
  r.status = static_cast<std::uint8_t>(e > 0 && e < 255 ? e : EIO);
  return r;
}

std::uint32_t clamp32(std::uint64_t v) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, 0xFFFFFFFFu));
}

std::uint8_t byte(std::string_view d, std::size_t i) { return static_cast<std::uint8_t>(d[i]); }

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::uint16_t mode_of(const struct stat& st) { return S_ISDIR(st.st_mode) ? 0x4000 : 0x8000; }

Entry entry_of(std::string name, const struct stat& st) {
  Entry e;
  e.name = std::move(name);
  e.mode = mode_of(st);
  e.size = S_ISREG(st.st_mode) ? clamp32(static_cast<std::uint64_t>(st.st_size)) : 0;
  e.mtime = clamp32(static_cast<std::uint64_t>(std::max<time_t>(0, st.st_mtime)));
  return e;
}

Bytes stat_payload(const Entry& e) {
  Bytes out;
  put_u16(out, e.mode);
  put_u32(out, e.size);
  put_u32(out, e.mtime);
  return out;
}

// "a\0b" -> {"a", "b"}; false without the separator.
bool split_pair(std::string_view payload, std::string_view& a, std::string_view& b) {
  const auto nul = payload.find('\0');
  if (nul == std::string_view::npos) return false;
  a = payload.substr(0, nul);
  b = payload.substr(nul + 1);
  return true;
}

std::string parent_of(std::string_view rel) {
  const auto slash = rel.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(rel.substr(0, slash));
}

std::string name_of(std::string_view rel) {
  const auto slash = rel.rfind('/');
  return std::string(slash == std::string_view::npos ? rel : rel.substr(slash + 1));
}

fs::path with_extension(const fs::path& p, const char* ext) {
  fs::path out = p;
  out.replace_extension(ext);
  return out;
}

bool is_regular(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

Bytes encode_listing(const std::vector<Entry>& entries) {
  Bytes out;
  for (const Entry& e : entries) {
    if (e.name.size() > 255 || out.size() + 11 + e.name.size() > kMaxPayload) break;
    out += static_cast<char>(e.name.size());
    put_u16(out, e.mode);
    put_u32(out, e.size);
    put_u32(out, e.mtime);
    out += e.name;
  }
  return out;
}

MountServer::MountServer(const fs::path& root, ServerOptions options)
    : jail_(root), options_(options) {}

MountServer::~MountServer() { close_all(); }

void MountServer::close_all() noexcept {
  for (int& fd : fds_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  fds_.clear();
}

std::size_t MountServer::open_files() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(fds_.begin(), fds_.end(), [](int f) { return f >= 0; }));
}

Reply MountServer::dismiss(const Request& request) {
  switch (static_cast<Cmd>(request.cmd & ~kStreamReset)) {
    case Cmd::kStat:
    case Cmd::kListdir:
    case Cmd::kOpen:
    case Cmd::kStatvfs:
      return error(ENOENT);
    case Cmd::kMkdir:
    case Cmd::kRemove:
    case Cmd::kRename:
      return error(EROFS);
    default:
      return error(EBADF);
  }
}

Reply MountServer::handle(const Request& request) noexcept {
  ++requests_;
  try {
    Reply r;
    const std::string_view p = request.payload;
    switch (static_cast<Cmd>(request.cmd & ~kStreamReset)) {
      case Cmd::kStat:
        r = stat(p);
        break;
      case Cmd::kListdir:
        r = listdir(p);
        break;
      case Cmd::kStatvfs:
        r = statvfs();
        break;
      case Cmd::kOpen:
        r = open(p);
        break;
      case Cmd::kClose:
        r = close(p);
        break;
      case Cmd::kRead:
        r = read(p);
        break;
      case Cmd::kWrite:
        r = write(p);
        break;
      case Cmd::kMkdir:
        r = mkdir(p);
        break;
      case Cmd::kRemove:
        r = remove(p);
        break;
      case Cmd::kRename:
        r = rename(p);
        break;
      default:
        return error(ENOSYS);
    }
    return r;
  } catch (const std::bad_alloc&) {
    return error(ENOMEM);
  } catch (...) {
    return error(EIO);
  }
}

// The board's view of one resolved path. With \p mpy_view (stat on a -m mount) compiled sources
// are hidden and their .mpy shown; listings show the real entries.
int MountServer::stat_entry(const Resolved& r, std::string_view name, Entry& out,
                            bool mpy_view) const {
  if (r.error) return r.error;
  MpyCross* mc = mpy_view ? options_.mpy_cross : nullptr;
  if (mc && ends_with(name, ".py") && MpyCross::compilable(r.path)) {
    if (is_regular(with_extension(r.path, ".mpy"))) return ENOENT;  // a prebuilt .mpy wins
    if (is_regular(r.path) && mc->compile(r.path)) return ENOENT;   // the importer takes .mpy
  }
  struct stat st {};
  if (::stat(r.path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) return EACCES;
    out = entry_of(std::string(name), st);
    return 0;
  }
  const int e = errno;
  if (r.virtual_dir) {
    out = Entry{std::string(name), 0x4000, 0, 0};
    return 0;
  }
  if (mc && ends_with(name, ".mpy")) {
    const fs::path py = with_extension(r.path, ".py");
    if (is_regular(py) && MpyCross::compilable(py)) {
      if (auto compiled = mc->compile(py); compiled && ::stat(compiled->c_str(), &st) == 0) {
        out = entry_of(std::string(name), st);
        return 0;
      }
    }
  }
  return e == ENOTDIR ? ENOENT : e;
}

int MountServer::list(std::string_view path, std::vector<Entry>& out) const {
  out.clear();
  const Resolved dir = jail_.resolve(path);
  if (dir.error) return dir.error;
  struct stat st {};
  const bool real = ::stat(dir.path.c_str(), &st) == 0;
  if (real && !S_ISDIR(st.st_mode)) return ENOTDIR;
  if (!real && !dir.virtual_dir && !(dir.rel.empty())) return ENOENT;
  const std::string prefix = "/" + dir.rel + (dir.rel.empty() ? "" : "/");
  if (real) {
    std::error_code ec;
    for (fs::directory_iterator it(dir.path, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (!valid_utf8(name) || name.size() > 255) continue;  // the board cannot name it
      Entry e;
      if (stat_entry(jail_.resolve(prefix + name), name, e, false) == 0) {
        out.push_back(std::move(e));
      }
    }
  }
  for (auto& [name, target] : jail_.virtual_children(dir.rel)) {
    if (std::any_of(out.begin(), out.end(), [&](const Entry& e) { return e.name == name; })) {
      continue;
    }
    Entry e{name, 0x4000, 0, 0};
    if (!target.empty() && ::stat(target.c_str(), &st) == 0) e = entry_of(name, st);
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  if (out.size() > kMaxEntries) out.resize(kMaxEntries);
  return 0;
}

Reply MountServer::stat(std::string_view path) const {
  const Resolved r = jail_.resolve(path);
  if (r.error) return error(r.error);
  const std::string name = name_of(r.rel);
  // Without -m the board may keep the whole parent listing and answer the next stats itself
  // (an import asks for name, name.py and name.mpy in turn).
  if (!options_.mpy_cross && !r.rel.empty() && options_.listing_limit > 0) {
    std::vector<Entry> entries;
    if (list("/" + parent_of(r.rel), entries) == 0 && entries.size() <= options_.listing_limit) {
      Reply reply;
      reply.flags = kListing;
      reply.status = std::any_of(entries.begin(), entries.end(),
                                 [&](const Entry& e) { return e.name == name; })
                         ? 0
                         : ENOENT;
      reply.payload = encode_listing(entries);
      return reply;
    }
  }
  Entry e;
  if (r.rel.empty()) {
    e = Entry{"", 0x4000, 0, 0};
  } else if (int err = stat_entry(r, name, e, true)) {
    return error(err);
  }
  Reply reply;
  reply.payload = stat_payload(e);
  return reply;
}

Reply MountServer::listdir(std::string_view path) const {
  std::vector<Entry> entries;
  if (int e = list(path, entries)) return error(e);
  Reply reply;
  reply.payload = encode_listing(entries);
  return reply;
}

Reply MountServer::statvfs() const {
  struct statvfs v {};
  if (::statvfs(jail_.root().c_str(), &v) != 0) return error(errno);
  Reply reply;
  for (std::uint64_t x :
       {std::uint64_t{v.f_bsize}, std::uint64_t{v.f_frsize}, std::uint64_t{v.f_blocks},
        std::uint64_t{v.f_bfree}, std::uint64_t{v.f_bavail}, std::uint64_t{v.f_files},
        std::uint64_t{v.f_ffree}, std::uint64_t{v.f_favail},
        std::uint64_t{options_.writable ? 0u : 1u}, std::uint64_t{v.f_namemax}}) {
    put_u32(reply.payload, clamp32(x));
  }
  return reply;
}

Reply MountServer::open(std::string_view payload) {
  std::string_view mode, path;
  if (!split_pair(payload, mode, path) || mode.empty() || mode.size() > 8) return error(EINVAL);
  int access = 0;
  int flags = O_CLOEXEC | O_NOFOLLOW;
  bool plus = false;
  for (char c : mode) {
    switch (c) {
      case 'r':
      case 'w':
      case 'a':
      case 'x':
        if (access) return error(EINVAL);
        access = c;
        break;
      case '+':
        plus = true;
        break;
      case 'b':
      case 't':
        break;
      default:
        return error(EINVAL);
    }
  }
  if (!access) return error(EINVAL);
  const bool writes = access != 'r' || plus;
  if (writes && !options_.writable) return error(EROFS);
  flags |= plus ? O_RDWR : (access == 'r' ? O_RDONLY : O_WRONLY);
  if (access == 'w') flags |= O_CREAT | O_TRUNC;
  if (access == 'a') flags |= O_CREAT | O_APPEND;
  if (access == 'x') flags |= O_CREAT | O_EXCL;

  Resolved r = jail_.resolve(path);
  if (r.error) return error(r.error);
  if (r.virtual_dir) return error(EISDIR);
  fs::path host = r.path;
  if (MpyCross* mc = options_.mpy_cross; mc && !writes) {
    const std::string name = name_of(r.rel);
    if (ends_with(name, ".mpy") && !is_regular(host)) {
      const fs::path py = with_extension(host, ".py");
      if (is_regular(py) && MpyCross::compilable(py)) {
        if (auto compiled = mc->compile(py)) host = *compiled;
      }
    }
  }
  std::size_t slot = 0;
  while (slot < fds_.size() && fds_[slot] >= 0) ++slot;
  if (slot >= kMaxFds) return error(EMFILE);
  const int fd = ::open(host.c_str(), flags, 0666);
  if (fd < 0) return error(errno == ELOOP ? EACCES : errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode)) {
    const int e = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
    ::close(fd);
    return error(e);
  }
  const std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  Bytes data;
  if (access == 'r' || plus) {
    data.resize(std::min<std::uint64_t>(options_.chunk, size));
    std::size_t got = 0;
    while (got < data.size()) {
      const ssize_t n = ::pread(fd, data.data() + got, data.size() - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    data.resize(got);
  }
  Reply reply;
  std::uint8_t board_fd;
  if (!writes && data.size() == size) {
    ::close(fd);  // delivered whole: the board never needs the host file again
    board_fd = kNoFd;
  } else {
    if (slot == fds_.size()) fds_.push_back(-1);
    fds_[slot] = fd;
    board_fd = static_cast<std::uint8_t>(slot);
  }
  if (data.size() == size) reply.flags |= kEof;
  reply.payload += static_cast<char>(board_fd);
  put_u32(reply.payload, clamp32(size));
  reply.payload += data;
  return reply;
}

Reply MountServer::close(std::string_view payload) {
  if (payload.size() != 1) return error(EINVAL);
  const std::size_t slot = byte(payload, 0);
  if (slot >= fds_.size() || fds_[slot] < 0) return error(EBADF);
  const int rc = ::close(fds_[slot]);
  fds_[slot] = -1;
  return rc == 0 ? Reply{} : error(errno);
}

Reply MountServer::read(std::string_view payload) {
  if (payload.size() != 9) return error(EINVAL);
  const std::size_t slot = byte(payload, 0);
  if (slot >= fds_.size() || fds_[slot] < 0) return error(EBADF);
  const std::uint64_t pos = get_u32(payload, 1);
  const std::size_t count = std::min<std::size_t>(get_u32(payload, 5), kMaxRead);
  Reply reply;
  reply.payload.resize(count);
  std::size_t got = 0;
  while (got < count) {
    const ssize_t n =
        ::pread(fds_[slot], reply.payload.data() + got, count - got, static_cast<off_t>(pos + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return error(errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  reply.payload.resize(got);
  struct stat st {};
  if (got < count ||
      (::fstat(fds_[slot], &st) == 0 && pos + got >= static_cast<std::uint64_t>(st.st_size))) {
    reply.flags |= kEof;
  }
  return reply;
}

Reply MountServer::write(std::string_view payload) {
  if (payload.size() < 5) return error(EINVAL);
  if (!options_.writable) return error(EROFS);
  const std::size_t slot = byte(payload, 0);
  if (slot >= fds_.size() || fds_[slot] < 0) return error(EBADF);
  const std::uint64_t pos = get_u32(payload, 1);
  std::string_view data = payload.substr(5);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fds_[slot], data.data() + done, data.size() - done,
                               static_cast<off_t>(pos + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return error(errno);
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Reply MountServer::mkdir(std::string_view path) {
  if (!options_.writable) return error(EROFS);
  const Resolved r = jail_.resolve(path);
  if (r.error) return error(r.error);
  if (r.base || r.virtual_dir) return error(EEXIST);
  return ::mkdir(r.path.c_str(), 0777) == 0 ? Reply{} : error(errno);
}

Reply MountServer::remove(std::string_view payload) {
  if (payload.empty()) return error(EINVAL);
  if (!options_.writable) return error(EROFS);
  const bool dir = payload[0] == '\1';
  const Resolved r = jail_.resolve(payload.substr(1));
  if (r.error) return error(r.error);
  if (r.base || r.virtual_dir) return error(EACCES);
  const int rc = dir ? ::rmdir(r.path.c_str()) : ::unlink(r.path.c_str());
  return rc == 0 ? Reply{} : error(errno);
}

Reply MountServer::rename(std::string_view payload) {
  std::string_view from, to;
  if (!split_pair(payload, from, to)) return error(EINVAL);
  if (!options_.writable) return error(EROFS);
  const Resolved a = jail_.resolve(from);
  const Resolved b = jail_.resolve(to);
  if (a.error) return error(a.error);
  if (b.error) return error(b.error);
  if (a.base || b.base || a.virtual_dir || b.virtual_dir) return error(EACCES);
  return ::rename(a.path.c_str(), b.path.c_str()) == 0 ? Reply{} : error(errno);
}

}  // namespace mpytool::mount
