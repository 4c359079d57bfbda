// SPDX-License-Identifier: MIT
/// \file
/// Layer 4: the board as a device. Module/helper caching, identity, memory, resets, working
/// directory and sys.path. File, mount, flash and OTA operations live in the plugins' libraries
/// (mpytool::files and friends) and take an Mpy&; see docs/library-api.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/link/conn.hpp"
#include "mpytool/repl/mpy_comm.hpp"

namespace mpytool {

/// What `platform()` reports.
struct PlatformInfo {
  std::string platform;                    ///< sys.platform: "esp32", "rp2", "webassembly"
  std::string version;                     ///< sys.version
  std::string impl_name;                   ///< sys.implementation.name: "micropython"
  std::vector<std::int64_t> impl_version;  ///< sys.implementation.version numbers
  std::string machine;                     ///< os.uname()[4], may be empty
  std::optional<int> mpy_ver;              ///< .mpy version (sys.implementation._mpy & 0xff)
  std::optional<int> mpy_sub;              ///< .mpy sub-version
  std::optional<int> mpy_arch;             ///< native arch index
};

/// What `memory()` reports, in bytes.
struct MemoryInfo {
  std::int64_t free = 0;
  std::int64_t alloc = 0;
  std::int64_t total = 0;
};

/// One filesystem (`filesystems()`).
struct FsInfo {
  std::string mount;  ///< "/" or "/sd"
  std::int64_t total = 0;
  std::int64_t free = 0;
};

class Mpy;

/// State a library keeps for one connection across chained commands (e.g. the mount plugin's
/// active mounts, the transfer library's settings), with the hooks the session calls. Attached
/// with Mpy::attach(); it survives reset_state() and board resets (told of both through the
/// hooks), and lives until close_session() or the Mpy's end.
class BOOST_SYMBOL_VISIBLE SessionExtension {
 public:
  virtual ~SessionExtension() = default;
  /// A safe point: between chained commands (\p idle false; the next command may need the
  /// board at once) or from a loop that waits on the board (repl, monitor: \p idle true, the
  /// board may be busy booting). Never called from inside a read. Deferred work goes here.
  virtual void service(Mpy& /*mpy*/, bool /*idle*/) {}
  /// The board lost its RAM through a reset that Mpy performed (soft, raw, machine, hard).
  virtual void board_reset(Mpy& /*mpy*/) {}
  /// Mpy::reset_state() ran (stop(), soft_reset(), machine_reset() and the hard resets call
  /// it; soft_reset_raw() and a program's soft reboot do not): what the extension caches about
  /// the board for the session (a probe's result) goes now, with Mpy's own caches.
  virtual void state_reset(Mpy& /*mpy*/) {}
  /// The session ends while the link is still open: undo what the extension did on the board.
  virtual void close(Mpy& /*mpy*/) noexcept {}
};

/// The board. Owns an MpyComm over a caller-owned Conn. Caches imported modules and injected
/// helpers until reset_state(); not thread-safe.
class MPYTOOL_CORE_API Mpy {
 public:
  /// Talks over \p conn, which must outlive this object.
  explicit Mpy(Conn& conn);
  ~Mpy();

  /// The raw-REPL layer.
  MpyComm& comm() noexcept { return comm_; }
  /// The link.
  Conn& conn() noexcept { return conn_; }

  /// `import <module>` once per session ("os", "ubinascii as ub", "deflate as df").
  void import_module(std::string_view module);

  /// Sends the helper \p name once per session, after the helpers it needs: one registered
  /// with register_helper(), else one of the catalogue (board/helpers.hpp: the helpers the
  /// loaded libraries ship). Large ones travel deflated when the board has `deflate`. Throws
  /// MpyError for an unknown helper. A helper the board still holds from an earlier run of the
  /// tool (the same source: CodeGuard::kept()) is not sent again.
  void load_helper(std::string_view name) { load_helpers({name}); }
  /// load_helper() for several helpers in ONE program (one round trip, one deflate stream):
  /// for a command that knows what it will need.
  void load_helpers(const std::vector<std::string_view>& names);

  /// For sending a small helper together with its first use in one program: returns the
  /// helper's source to put before the call and counts it as loaded, or "" if it is loaded
  /// already (or too large: then it is loaded now, as load_helper() does). If that program
  /// fails, call forget_helper().
  std::string take_helper(std::string_view name);
  /// Marks a helper as not loaded (its definition may not have reached the board).
  void forget_helper(std::string_view name);

  /// Makes a helper source available to load_helper() under \p name for this session, with
  /// the helpers it calls (\p needs, loaded first). It takes precedence over the catalogue.
  void register_helper(std::string name, std::string source, std::vector<std::string> needs = {});

  /// Forgets imported modules, loaded helpers, cached platform and the REPL state, and tells
  /// every extension (SessionExtension::state_reset()).
  void reset_state();

  /// sys.platform, versions, machine and .mpy info; cached until reset_state().
  const PlatformInfo& platform();
  /// machine.unique_id() as hex, or nullopt when the board has none.
  std::optional<std::string> unique_id();
  /// Interface name ("WiFi", "WiFi AP", "LAN") to MAC "aa:bb:..", for the interfaces present.
  std::vector<std::pair<std::string, std::string>> mac_addresses();
  /// gc.collect(), then free/alloc/total heap.
  MemoryInfo memory();
  /// "/" and every distinct filesystem mounted in a root directory.
  std::vector<FsInfo> filesystems();

  /// Stops a running program: forgets the state and runs the Ctrl-C recovery.
  void stop();
  /// Friendly soft reset; boot.py/main.py run. Also reset_state().
  void soft_reset();
  /// Raw soft reset; boot.py/main.py skipped. Also reset_state().
  void soft_reset_raw();
  /// machine.reset(); with \p reconnect the link is re-opened within \p timeout seconds.
  void machine_reset(bool reconnect = false, std::optional<double> timeout = std::nullopt);
  /// machine.bootloader(); the link is usually lost afterwards.
  void machine_bootloader();
  /// RTS pulse reset (USB-UART only). Throws MpyError "Hardware reset failed: ...".
  void hard_reset();
  /// A reset by \p seq on DTR/RTS (a board profile's `reset.hard`), on any serial link.
  void hard_reset(const ResetSequence& seq);
  /// ESP32 ROM bootloader via DTR/RTS. Throws MpyError "Bootloader reset failed: ...".
  void reset_to_bootloader();
  /// The bootloader by \p seq on DTR/RTS (a board profile's `reset.bootloader`).
  void reset_to_bootloader(const ResetSequence& seq);

  /// os.getcwd().
  std::string getcwd();
  /// os.chdir(); throws DirNotFound.
  void chdir(std::string_view path);

  /// sys.path.
  std::vector<std::string> get_sys_path();
  /// Replaces sys.path.
  void set_sys_path(const std::vector<std::string>& paths);
  /// Puts \p paths first (moving existing entries).
  void prepend_sys_path(const std::vector<std::string>& paths);
  /// Appends \p paths that are not there yet.
  void append_sys_path(const std::vector<std::string>& paths);
  /// Removes \p paths.
  void remove_from_sys_path(const std::vector<std::string>& paths);

  /// Escapes \p path for a single-quoted Python literal ('\\' and '\'').
  static std::string escape_path(std::string_view path);

  /// The working directory last set through chdir(), to restore after a soft reboot.
  const std::optional<std::string>& chosen_cwd() const noexcept { return chosen_cwd_; }
  /// Records \p path as the chosen working directory (for a library that changed it itself).
  void set_chosen_cwd(std::string path) { chosen_cwd_ = std::move(path); }
  /// sys.path as last set through set_sys_path() and friends, to restore after a soft reboot.
  const std::optional<std::vector<std::string>>& chosen_sys_path() const noexcept {
    return chosen_sys_path_;
  }

  /// Attaches \p extension under \p key (replacing one with that key) and returns it.
  SessionExtension& attach(std::string key, std::unique_ptr<SessionExtension> extension);
  /// The extension attached under \p key, or nullptr.
  SessionExtension* extension(std::string_view key) const;
  /// Removes the extension under \p key without calling close().
  void detach(std::string_view key);
  /// Calls every extension's service() (see SessionExtension); the dispatcher does this
  /// between commands, repl and monitor while they wait.
  void service(bool idle = false);
  /// Calls every extension's close() and drops them all. The dispatcher does this before it
  /// closes the link; library users call it before they let go of the board.
  void close_session() noexcept;

 private:
  void notify_board_reset();
  void reset_by(const ResetSequence* seq, bool bootloader);

  struct HelperRef {
    std::string_view source;
    std::vector<std::string> needs;
  };
  struct SessionHelper {
    std::string source;
    std::vector<std::string> needs;
  };
  HelperRef helper(std::string_view name) const;

  Conn& conn_;
  MpyComm comm_;
  std::set<std::string, std::less<>> modules_;
  std::set<std::string, std::less<>> helpers_loaded_;
  std::map<std::string, SessionHelper, std::less<>> helper_sources_;
  std::optional<PlatformInfo> platform_;
  std::optional<bool> compressed_helpers_;
  std::optional<std::string> chosen_cwd_;
  std::optional<std::vector<std::string>> chosen_sys_path_;
  std::vector<std::pair<std::string, std::unique_ptr<SessionExtension>>> extensions_;
  bool servicing_ = false;
};

/// A Python expression that evaluates, on a board with `deflate`, to \p data as bytes: deflated
/// on the host (a window of 2^\p window_bits bytes: 1 KiB, which any board can afford, unless
/// asked) and carried as base64, about half the size of text such as code or path lists.
/// Raises ImportError on a board without `deflate`.
MPYTOOL_CORE_API std::string inflate_expression(std::string_view data, int window_bits = 10);

}  // namespace mpytool
