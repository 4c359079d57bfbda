// SPDX-License-Identifier: MIT
// The session state of the mounts: the board-side agent, the escape handler that serves its
// requests inside Conn reads, and the soft-reboot watch that remounts at a safe point
// (docs/compatibility.md, "Mount": never re-entrantly inside the byte reader).
#include "mpytool/mount/mounts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

#include "mpytool/base/digest.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/mount/compressor.hpp"
#include "mpytool/mount/protocol.hpp"
#include "mpytool/mount/server.hpp"
#include "mpytool/mount/vfs_link.hpp"
#include "mpytool/mpy_cross/mpy_cross.hpp"
#include "mpytool/repl/py_value.hpp"
#include "mpytool/transfer/settings.hpp"

namespace mpytool::mount {

namespace detail {
// Generated at build time from plugins/mount/helpers/*.py.
std::string_view helper_source(std::string_view name);
}  // namespace detail

namespace fs = std::filesystem;

namespace {

constexpr const char* kExtensionKey = "mount";
constexpr const char* kAgent = "mount_agent";
constexpr std::size_t kChunk = 4096;
constexpr int kWindowBits = 12;
constexpr double kExecTimeout = 10.0;

std::string board_path_arg(std::string_view mp) { return repr_str(mp); }

bool inside(std::string_view path, std::string_view mp) {
  return path == mp ||
         (path.size() > mp.size() && path.compare(0, mp.size(), mp) == 0 && path[mp.size()] == '/');
}

// "/remote/" -> "/remote"; "" stays "".
std::string trim_slashes(std::string_view p) {
  std::string s(p);
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

struct Mounts::Impl final : OutputObserver {
  struct Entry {
    std::string mp;
    std::uint8_t mid = 0;
    std::unique_ptr<MountServer> server;
  };

  explicit Impl(Mpy& m)
      : mpy(m),
        link(m.conn(), [this](const Request& r) { return serve(r); }),
        compressor(kWindowBits) {}

  Mpy& mpy;
  VfsLink link;
  StreamCompressor compressor;
  std::vector<Entry> mounts;
  std::uint8_t next_mid = 0;
  std::shared_ptr<MpyCross> mpy_cross;
  bool installed = false;
  bool inflates = false;
  std::optional<std::string> cwd_before;
  bool rebooted = false;
  bool at_prompt = false;
  bool remounting = false;
  std::string tail;
  std::uint64_t remounts = 0;
  mutable MountStats stats;

  Entry* by_mid(std::uint8_t mid) {
    for (auto& e : mounts) {
      if (e.mid == mid) return &e;
    }
    return nullptr;
  }
  Entry* by_mp(std::string_view mp) {
    for (auto& e : mounts) {
      if (e.mp == mp) return &e;
    }
    return nullptr;
  }

  Reply serve(const Request& request) {
    if (request.cmd & kStreamReset) compressor.reset();
    Entry* e = by_mid(request.mid);
    if (!e) logger().debug("mount: request for unknown mount {} dismissed", request.mid);
    Reply reply = e ? e->server->handle(request) : MountServer::dismiss(request);
    if (inflates && !reply.payload.empty()) {
      try {
        if (auto packed = compressor.pack(reply.payload)) {
          reply.payload = std::move(*packed);
          reply.flags |= kDeflated;
        }
      } catch (const std::exception& ex) {
        // The stream is lost on this side: raw replies from now on (the board copes).
        logger().warn("mount: compression stopped: {}", ex.what());
        inflates = false;
      }
    }
    return reply;
  }

  // OutputObserver: the soft-reboot watch (the marker may be split across chunks).
  void observe(std::string_view output) override {
    if (remounting) return;
    tail.append(output);
    if (auto pos = tail.find("soft reboot"); pos != std::string::npos) {
      rebooted = true;
      at_prompt = false;
      tail.erase(0, pos + 11);
    }
    if (rebooted && (tail.find("\r\n>>> ") != std::string::npos ||
                     tail.find("CTRL-B to exit\r\n>") != std::string::npos)) {
      at_prompt = true;
    }
    if (tail.size() > 256) tail.erase(0, tail.size() - 64);
  }

  void install() {
    if (installed) return;
    mpy.conn().set_escape_handler(kEscape, &link);
    mpy.conn().add_output_observer(this);
    installed = true;
  }

  void uninstall() noexcept {
    if (!installed) return;
    mpy.conn().set_escape_handler(kEscape, nullptr);
    mpy.conn().remove_output_observer(this);
    installed = false;
  }

  // The agent keeps state in the board's globals (its mounts, caches, buffered writes) that a
  // later run must not find: it is never left in the board's registry of kept helpers (core's
  // CodeGuard::kept()), so every run sends it afresh.
  std::string mount_call(const Entry& e) const {
    return fmt::format("globals().get('_mt_H',set()).discard({})\n_mv_mount({},{},{},{},{})\n",
                       crc32_of(detail::helper_source(kAgent)), board_path_arg(e.mp), e.mid, kChunk,
                       e.server->options().mpy_cross ? 0 : 1, kWindowBits);
  }

  // The agent's answer to _mv_mount(): 1 when it can inflate.
  void read_flags(const Bytes& out) {
    const auto nl = out.find_last_not_of("\r\n \t");
    if (nl != Bytes::npos) inflates = out[nl] == '1';
  }

  ~Impl() override { uninstall(); }
};

void MountHandle::add_submount(std::string_view subpath, const fs::path& local) {
  mounts_->add_submount(mount_point_, subpath, local);
}

void MountHandle::unmount() { mounts_->unmount(mount_point_); }

Mounts& Mounts::of(Mpy& mpy) {
  if (auto* m = find(mpy)) return *m;
  mpy.register_helper(kAgent, std::string(detail::helper_source(kAgent)));
  return static_cast<Mounts&>(mpy.attach(kExtensionKey, std::make_unique<Mounts>(mpy)));
}

Mounts* Mounts::find(Mpy& mpy) { return dynamic_cast<Mounts*>(mpy.extension(kExtensionKey)); }

Mounts::Mounts(Mpy& mpy) : impl_(std::make_unique<Impl>(mpy)) {}
Mounts::~Mounts() = default;

bool Mounts::empty() const noexcept { return impl_->mounts.empty(); }
const MountStats& Mounts::stats() const noexcept {
  const LinkStats& l = impl_->link.stats();
  impl_->stats = {l.requests, l.bytes_in, l.bytes_out, l.compressed, impl_->remounts};
  return impl_->stats;
}
bool Mounts::board_inflates() const noexcept { return impl_->inflates; }

std::string Mounts::owner_of(std::string_view path) const {
  std::string best;
  for (const auto& e : impl_->mounts) {
    if (inside(path, e.mp) && e.mp.size() > best.size()) best = e.mp;
  }
  return best;
}

MountHandle Mounts::mount(const fs::path& local, std::string mount_point, bool writable,
                          std::shared_ptr<MpyCross> mpy_cross) {
  Impl& d = *impl_;
  std::error_code ec;
  if (!fs::is_directory(local, ec)) {
    throw UsageError(fmt::format("mount directory not found: {}", local.string()));
  }
  const std::string mp = trim_slashes(mount_point);
  if (mp.empty() || mp.front() != '/') {
    throw UsageError("mount point must be absolute path (e.g. :/app)");
  }
  if (mp == "/") throw MpyError("cannot mount on '/' - use '/remote' or another mount point");
  for (const auto& e : d.mounts) {
    if (e.mp == mp) throw MpyError(fmt::format("mount point '{}' already mounted", mp));
    if (inside(mp, e.mp)) throw MpyError(fmt::format("'{}' is nested inside '{}'", mp, e.mp));
    if (inside(e.mp, mp)) {
      throw MpyError(fmt::format(
          "cannot mount '{}' — existing mount '{}' would be nested inside it", mp, e.mp));
    }
  }
  if (mpy_cross && !mpy_cross->active()) mpy_cross.reset();
  if (mpy_cross) d.mpy_cross = mpy_cross;

  ServerOptions options;
  options.writable = writable;
  options.mpy_cross = mpy_cross.get();
  options.chunk = kChunk;
  Impl::Entry entry{mp, d.next_mid, std::make_unique<MountServer>(local, options)};

  MpyComm& comm = d.mpy.comm();
  const bool first = d.mounts.empty();
  d.install();
  d.mpy.load_helper(kAgent);
  std::string code = "import os\n";
  if (first) code += "print(repr(os.getcwd()))\n";
  code += d.mount_call(entry);
  if (first) code += fmt::format("os.chdir({})\n", board_path_arg(mp));
  Bytes out;
  try {
    out = comm.exec(code, kExecTimeout);
  } catch (...) {
    if (d.mounts.empty()) d.uninstall();
    throw;
  }
  if (first) {
    const auto nl = out.find('\n');
    try {
      d.cwd_before = parse_literal(out.substr(0, nl)).as_str();
    } catch (const MpyError&) {
      d.cwd_before.reset();
    }
    d.mpy.set_chosen_cwd(mp);
  }
  d.read_flags(out);
  add_host_path(d.mpy, mp);
  d.mounts.push_back(std::move(entry));
  ++d.next_mid;
  return MountHandle(*this, mp);
}

void Mounts::add_submount(std::string_view mount_point, std::string_view subpath,
                          const fs::path& local) {
  Impl::Entry* e = impl_->by_mp(trim_slashes(mount_point));
  if (!e) throw MpyError(fmt::format("no mount at '{}'", mount_point));
  std::error_code ec;
  if (!fs::exists(local, ec))
    throw UsageError(fmt::format("source not found: '{}'", local.string()));
  if (!e->server->jail().add_submount(subpath, local)) {
    throw UsageError(fmt::format("invalid link path '{}'", subpath));
  }
}

void Mounts::unmount(std::string_view mount_point) {
  Impl& d = *impl_;
  const std::string mp = trim_slashes(mount_point);
  auto it = std::find_if(d.mounts.begin(), d.mounts.end(),
                         [&](const Impl::Entry& e) { return e.mp == mp; });
  if (it == d.mounts.end()) throw MpyError(fmt::format("no mount at '{}'", mp));
  const bool last = d.mounts.size() == 1;
  // Buffered writes reach the host first; modules imported from the mount leave sys.modules
  // (their files are gone from the board's view: a later import must not find stale code).
  std::string code = fmt::format(
      "import os,sys\ntry:\n _mv_fa()\nexcept Exception as e:\n print('flush failed:',e)\n"
      "_mv_d=os.getcwd()\n"
      "for _mv_k,_mv_m in list(sys.modules.items()):\n"
      " _mv_f=getattr(_mv_m,'__file__','')\n"
      " if type(_mv_f) is str and _mv_f and _mv_f[0]!='/':\n  _mv_f=_mv_d+'/'+_mv_f\n"
      " if type(_mv_f) is str and _mv_f.startswith({1}):\n  del sys.modules[_mv_k]\n"
      "try:\n os.umount({0})\nexcept OSError:\n pass\n"
      "if _mv_d=={0} or _mv_d.startswith({1}):\n try:\n  os.chdir({2})\n except OSError:\n"
      "  os.chdir('/')\nprint(repr(os.getcwd()))\n",
      board_path_arg(mp), board_path_arg(mp + "/"), board_path_arg(d.cwd_before.value_or("/")));
  if (last) {
    code += "[globals().pop(k) for k in [k for k in globals() if k.startswith('_mv_')]]\n";
  } else {
    code += "del _mv_d,_mv_k,_mv_m,_mv_f\n";
  }
  if (!d.rebooted) {
    const Bytes out = d.mpy.comm().exec(code, kExecTimeout);
    if (out.find("flush failed:") != Bytes::npos)
      logger().warn("mount: {}", out.substr(0, out.find('\n')));
    try {
      d.mpy.set_chosen_cwd(parse_literal(out.substr(out.rfind('\n', out.size() - 3) + 1)).as_str());
    } catch (const std::exception&) {
    }
  }
  it->server->close_all();
  remove_host_path(d.mpy, mp);
  d.mounts.erase(it);
  if (last) {
    d.mpy.forget_helper(kAgent);
    d.uninstall();
    d.cwd_before.reset();
  }
}

void Mounts::unmount_all() {
  while (!impl_->mounts.empty()) unmount(impl_->mounts.back().mp);
}

std::vector<MountInfo> Mounts::list() const {
  std::vector<MountInfo> out;
  for (const auto& e : impl_->mounts) {
    MountInfo info;
    info.mount_point = e.mp;
    info.local = e.server->jail().root();
    info.writable = e.server->options().writable;
    info.mpy = e.server->options().mpy_cross != nullptr;
    info.mid = e.mid;
    info.open_files = e.server->open_files();
    info.requests = e.server->requests();
    for (const auto& [sub, local] : e.server->jail().submounts()) {
      info.submounts.emplace_back(e.mp + "/" + sub, local);
    }
    out.push_back(std::move(info));
  }
  return out;
}

void Mounts::remount(bool friendly) {
  Impl& d = *impl_;
  d.remounting = true;
  struct Done {
    bool& flag;
    ~Done() { flag = false; }
  } done{d.remounting};
  d.rebooted = false;
  d.at_prompt = false;
  if (d.mounts.empty()) return;
  for (auto& e : d.mounts) e.server->close_all();
  // The board's RAM is gone: imported modules, helpers and the REPL state Mpy knew.
  d.mpy.reset_state();
  d.compressor.reset();  // the new agent starts a new inflate stream
  d.mpy.load_helper(kAgent);
  std::string code = "import os\n";
  for (const auto& e : d.mounts) code += d.mount_call(e);
  const std::string cwd = d.mpy.chosen_cwd().value_or(d.mounts.front().mp);
  code += fmt::format("try:\n os.chdir({})\nexcept OSError:\n pass\n", board_path_arg(cwd));
  if (const auto& path = d.mpy.chosen_sys_path()) {
    code += "import sys\nsys.path[:]=[";
    for (const auto& p : *path) code += repr_str(p) + ",";
    code += "]\n";
  }
  d.read_flags(d.mpy.comm().exec(code, kExecTimeout));
  ++d.remounts;
  if (friendly) d.mpy.comm().exit_raw_repl();
  logger().info("remounted {} mount(s) after a soft reboot", d.mounts.size());
}

void Mounts::service(Mpy& /*mpy*/, bool idle) {
  Impl& d = *impl_;
  if (!d.rebooted || d.mounts.empty()) return;
  if (idle && !d.at_prompt) return;  // boot.py / main.py may still run
  remount(idle);
}

void Mounts::board_reset(Mpy& /*mpy*/) { impl_->rebooted = true; }

void Mounts::close(Mpy& /*mpy*/) noexcept {
  Impl& d = *impl_;
  try {
    if (d.mpy.comm().program_submitted()) {
      // `exec -t 0`: the user left a program running; unmounting would stop it.
      logger().info("mount: a program still runs, its mounts stay until the board resets");
    } else if (!d.mounts.empty() && !d.rebooted) {
      unmount_all();
    }
  } catch (const std::exception& e) {
    logger().debug("mount: cleanup at the end of the session failed: {}", e.what());
  }
  for (auto& e : d.mounts) {
    e.server->close_all();
    remove_host_path(d.mpy, e.mp);
  }
  d.mounts.clear();
  d.uninstall();
}

}  // namespace mpytool::mount
