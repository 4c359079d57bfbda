// SPDX-License-Identifier: MIT
/// \file
/// Compiling .py files to .mpy with MicroPython's `mpy-cross` for the board at hand
/// (docs/compatibility.md, "mpy-cross"): used by `cp -m` and `mount -m`. The compiler is an
/// external program; when it is missing or does not fit the board, a warning is logged and the .py
/// files are used instead.
///
///     MpyCross mpy_cross;                       // locate()s the compiler
///     if (mpy_cross.init(mpy.platform()))       // asks its version, matches the board
///       if (auto mpy = mpy_cross.compile("lib/util.py"))  // lib/__pycache__/util.mpy-6.3.mpy
///         upload(*mpy, "lib/util.mpy");
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mpytool/mpy_cross/export.hpp"
#include "mpytool/process/process.hpp"

namespace mpytool {

struct PlatformInfo;

/// Compiles .py files for one board, caching the results in `__pycache__` next to the sources.
class MPYTOOL_MPY_CROSS_API MpyCross {
 public:
  /// Uses the compiler at \p executable; an empty path means locate().
  explicit MpyCross(std::filesystem::path executable = {});

  /// Finds the compiler: the `MPY_CROSS` environment variable (a path, or a name looked up on
  /// PATH) first, then `mpy-cross` next to the running program, then on PATH.
  static std::optional<std::filesystem::path> locate();

  /// Asks `mpy-cross --version` (10 s) for its .mpy version and prepares the arguments for
  /// \p platform: `-O2`, `-b VER.SUB` when the board's version differs, `-march=NAME` when the
  /// board has a native architecture. Returns active(); logs a warning when it stays inactive
  /// (compiler not found, version not recognised, board without an mpy version).
  bool init(const PlatformInfo& platform);
  /// True after a successful init().
  bool active() const noexcept { return active_; }
  /// The compiler in use (empty when none was found).
  const std::filesystem::path& executable() const noexcept { return exe_; }
  /// The compiler's .mpy version from --version (valid after init()).
  std::pair<int, int> compiler_version() const noexcept { return compiler_version_; }
  /// Compiler arguments chosen by init().
  const std::vector<std::string>& args() const noexcept { return args_; }

  /// Where compile() puts the result for \p src:
  /// `<dir>/__pycache__/<stem>.mpy-<ver>.<sub>[-<arch>].mpy` (the board's version and arch).
  std::filesystem::path cache_path(const std::filesystem::path& src) const;

  /// Compiles \p src unless the cached result is at least as new as the source. Returns the
  /// .mpy file, or nullopt when \p src is not compilable(), when inactive, or when the compiler
  /// fails (30 s limit; a warning "mpy-cross failed for X: <its error>" is logged).
  std::optional<std::filesystem::path> compile(const std::filesystem::path& src);

  /// True for `*.py` files except `boot.py` and `main.py` (the board runs those by name).
  static bool compilable(const std::filesystem::path& src);
  /// The `-march` name of a native architecture index (1 x86 .. 12 rv64imc), "" for others.
  static std::string arch_name(int index);
  /// The .mpy version in mpy-cross's --version output ("... emitting mpy v6.3" -> {6, 3}).
  static std::optional<std::pair<int, int>> parse_version(std::string_view output);

 private:
  std::filesystem::path exe_;
  bool active_ = false;
  std::pair<int, int> compiler_version_{0, 0};
  int ver_ = 0, sub_ = 0;
  std::string arch_;
  std::vector<std::string> args_;
};

}  // namespace mpytool
