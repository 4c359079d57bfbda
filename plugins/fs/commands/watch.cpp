// SPDX-License-Identifier: MIT
// `watch LOCAL :DST [--delete] [--keep GLOB]... [--debounce MS] [-- <chain>]`: sync on every
// local change and run the chain after each sync, until Ctrl-C. Each round is one
// `mpytool ... sync LOCAL :DST -- <chain>` process, so the board is free between rounds (another
// terminal may use it) and a failing round never ends the watch. Changes are collected with
// inotify and debounced: an editor's save (temporary file, rename, swap files) is one round.
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <boost/dll/runtime_symbol_info.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "command_support.hpp"
#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/fs/local_tree.hpp"
#include "mpytool/process/process.hpp"

extern char** environ;

namespace mpytool::fs {
namespace {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kEvents = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                                  IN_MOVED_TO | IN_DELETE_SELF | IN_ATTRIB;

/// Editors' side files: never a reason to sync.
bool editor_noise(const std::string& name) {
  return name.empty() || name.ends_with("~") || name.ends_with(".swp") || name.ends_with(".swx") ||
         name.starts_with(".#") || name == "4913" || name.ends_with(".tmp");
}

/// inotify watches on a directory tree; new directories are added as they appear. Directories
/// are those a sync round walks (local_tree.hpp): links inside the source are followed, outside
/// only with --follow-links; a loop is left to the round to report.
class TreeWatch {
 public:
  TreeWatch(const stdfs::path& root, bool follow_links)
      : fd_(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)), root_(root), follow_(follow_links) {
    if (fd_ < 0) throw MpyError("watch: inotify is not available");
    add_tree(root);
  }
  ~TreeWatch() { ::close(fd_); }
  TreeWatch(const TreeWatch&) = delete;
  TreeWatch& operator=(const TreeWatch&) = delete;

  int fd() const noexcept { return fd_; }

  /// Reads the pending events; true if one of them is a change worth a sync.
  bool drain(const Excludes& excludes) {
    bool changed = false;
    alignas(inotify_event) char buf[16384];
    for (;;) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      for (ssize_t off = 0; off < n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        const std::string name = ev->len ? std::string(ev->name) : std::string();
        if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
          auto it = dirs_.find(ev->wd);
          if (it != dirs_.end()) add_tree(it->second / name);
        }
        if (ev->mask & IN_IGNORED) continue;
        if (ev->len && (editor_noise(name) || excludes.excluded(name))) continue;
        changed = true;
      }
    }
    return changed;
  }

 private:
  // Watches \p dir (the root or a directory below it) and what the walk reaches below it.
  void add_tree(const stdfs::path& dir) {
    try {
      LinkGuard guard(root_, follow_);
      // The guard learns the directories from the root down to \p dir.
      stdfs::path at = root_;
      for (const auto& name : dir.lexically_relative(root_)) {
        if (name == ".") continue;
        at /= name;
        if (!guard.enter(at)) return;
      }
      add(dir);
      add_below(dir, guard);
    } catch (const MpyError&) {
      // A loop or an unreadable directory: the sync round says so.
    }
  }
  void add_below(const stdfs::path& dir, LinkGuard& guard) {
    std::error_code ec;
    for (stdfs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code ec2;
      if (!it->is_directory(ec2) || !guard.enter(it->path())) continue;
      add(it->path());
      add_below(it->path(), guard);
      guard.leave();
    }
  }
  void add(const stdfs::path& dir) {
    const int wd = ::inotify_add_watch(fd_, dir.c_str(), kEvents);
    if (wd >= 0) dirs_[wd] = dir;
  }
  int fd_;
  stdfs::path root_;
  bool follow_;
  std::map<int, stdfs::path> dirs_;
};

class WatchCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "watch";
    i.summary = "Sync a local directory on every change and run a chain after each sync.";
    i.description =
        "mpytool -p PORT watch LOCAL :DST [--delete] [--keep GLOB]... [--debounce MS]\n"
        "  [--follow-links] [-- <chain>]\n"
        "Syncs once, then again whenever something below LOCAL changes (debounced, editor\n"
        "swap and backup files ignored), each time followed by the chain (`-- reset --\n"
        "monitor`, `-- exec \"import app\"`). Runs until Ctrl-C; a failing round is reported and\n"
        "the watch goes on. Links are walked as sync walks them (--follow-links: see sync).";
    using K = OptionSpec::Kind;
    i.options = {
        {"delete", 0, K::kFlag, "", "remove board files that do not exist locally", {}},
        {"keep", 0, K::kMulti, "GLOB", "never delete board paths matching GLOB", {}},
        {"debounce", 0, K::kValue, "MS", "quiet time before a sync (default 300)", {}},
        {"follow-links", 0, K::kFlag, "", "follow links to directories outside LOCAL", {}},
    };
    i.positionals = {
        {"local", "local directory", PositionalSpec::Arity::kOne},
        {":dst", "board directory", PositionalSpec::Arity::kOne},
        {"CHAIN", "commands after each sync (after --)", PositionalSpec::Arity::kZeroOrMore}};
    i.needs = Needs::kNothing;
    i.takes_rest = true;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const auto& pos = args.positionals();
    if (pos.size() < 2 || pos[0] == "--" || pos[1] == "--") {
      throw UsageError("watch: give LOCAL and :DST (watch src :/app -- <chain>)");
    }
    if (pos.size() > 2 && pos[2] != "--") {
      throw UsageError(fmt::format("watch: unexpected '{}' (the chain goes after --)", pos[2]));
    }
    const stdfs::path local = pos[0];
    std::error_code ec;
    if (!stdfs::is_directory(local, ec)) {
      throw UsageError(fmt::format("watch: '{}' is not a local directory", local.string()));
    }
    require_remote("watch", pos[1]);
    int debounce_ms = 300;
    if (auto d = args.value("debounce")) {
      try {
        debounce_ms = std::stoi(*d);
      } catch (const std::exception&) {
        debounce_ms = -1;
      }
      if (debounce_ms < 0) throw UsageError("watch: --debounce needs milliseconds");
    }
    const stdfs::path exe = boost::dll::program_location(ec);
    if (ec) throw MpyError("watch: cannot find the mpytool executable");
    // One round: `mpytool <globals> sync LOCAL :DST [...] [-- <chain>]`.
    std::vector<std::string> argv_s = {exe.string()};
    for (auto& a : ctx.globals().process_args()) argv_s.push_back(std::move(a));
    argv_s.insert(argv_s.end(), {"sync", pos[0], pos[1]});
    if (args.flag("delete")) argv_s.push_back("--delete");
    if (args.flag("follow-links")) argv_s.push_back("--follow-links");
    for (const auto& k : args.values("keep")) argv_s.insert(argv_s.end(), {"--keep", k});
    argv_s.insert(argv_s.end(), pos.begin() + 2, pos.end());

    const Excludes excludes(ctx.globals().plugin_options.values("exclude"));
    TreeWatch watch(local, args.flag("follow-links"));
    Output& out = ctx.out();
    out.verbose(1, fmt::format("WATCH {} -> {} (Ctrl+C to stop)", local.string(), pos[1]));
    round(ctx, exe, argv_s);
    bool dirty = false;
    auto last = Clock::now();
    while (!ctx.interrupted()) {
      pollfd p{watch.fd(), POLLIN, 0};
      ::poll(&p, 1, 100);
      if ((p.revents & POLLIN) && watch.drain(excludes)) {
        dirty = true;
        last = Clock::now();
      }
      if (dirty && Clock::now() - last >= std::chrono::milliseconds(debounce_ms)) {
        dirty = false;
        round(ctx, exe, argv_s);
        watch.drain(excludes);  // what the round itself touched locally (nothing, normally)
      }
    }
    ctx.clear_interrupt();  // Ctrl-C is how a watch ends
    return 0;
  }

 private:
  /// Runs one round and waits for it; Ctrl-C interrupts it too.
  static void round(CommandContext& ctx, const stdfs::path& exe, std::vector<std::string> argv_s) {
    std::vector<char*> argv = c_strings(argv_s);
    SpawnFds fds;
    fds.stdin_path = "/dev/null";
    pid_t pid = -1;
    if (spawn_process(pid, exe.string(), argv, environ, fds) != 0) {
      throw MpyError("watch: cannot start mpytool");
    }
    bool signalled = false;
    std::optional<int> ended;
    while (!(ended = poll_child(pid))) {
      if (ctx.interrupted() && !signalled) {
        ::kill(pid, SIGINT);
        signalled = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const int rc = *ended;
    if (rc != 0 && !ctx.interrupted()) {
      ctx.out().verbose(1, fmt::format("watch: the round failed (exit {}); watching on", rc),
                        Color::kRed);
    }
  }
};

}  // namespace

std::unique_ptr<Command> make_watch_command() { return std::make_unique<WatchCommand>(); }

}  // namespace mpytool::fs
