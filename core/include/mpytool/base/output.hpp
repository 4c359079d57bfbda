// SPDX-License-Identifier: MIT
/// \file
/// Where commands write: data to stdout, headers/progress/summaries to stderr at a verbosity
/// level, colour only on a terminal and never with NO_COLOR. Progress lines overwrite each other
/// on a terminal and are dropped when stderr is not one.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// ANSI colours used by the Python mpytool's messages.
enum class Color { kNone, kRed, kYellow, kGreen, kCyan, kBlue, kMagenta };

/// The output channel of a command. Owned by the app; commands use it through CommandContext.
class MPYTOOL_CORE_API Output {
 public:
  /// \p verbosity: 0 with -q, 1 default, 2 with -v. \p color: use ANSI colours on stderr.
  /// \p err_is_tty: stderr is a terminal (progress lines are shown only then).
  Output(std::ostream& out, std::ostream& err, int verbosity, bool color, bool err_is_tty);

  /// Data stream (stdout). Write board output and listings here.
  std::ostream& out() noexcept { return out_; }
  /// Diagnostic stream (stderr).
  std::ostream& err() noexcept { return err_; }
  /// 0 quiet, 1 normal, 2 verbose.
  int verbosity() const noexcept { return verbosity_; }
  /// Changes the verbosity (a command's own -v / -q, for the time it runs).
  void set_verbosity(int verbosity) noexcept { verbosity_ = verbosity; }
  /// True when colours are in use.
  bool color() const noexcept { return color_; }
  /// True when stderr is a terminal.
  bool err_is_tty() const noexcept { return err_is_tty_; }

  /// Writes a data chunk to stdout unchanged and flushes (board output streams through here).
  void data(std::string_view bytes);
  /// A stderr message shown when verbosity >= \p level ("LS: /", "RESET soft", ...).
  void verbose(int level, std::string_view text, Color color = Color::kNone);
  /// A progress line that the next progress() or message overwrites; dropped when stderr is
  /// not a terminal.
  void progress(int level, std::string_view text, Color color = Color::kNone);
  /// Called with the text of every progress() line, shown or not, at any verbosity (for
  /// machine-readable progress; empty to stop).
  void set_progress_observer(std::function<void(std::string_view)> observer) {
    progress_observer_ = std::move(observer);
  }
  /// True when progress lines go somewhere: a terminal, or a progress observer.
  bool wants_progress() const noexcept { return err_is_tty_ || progress_observer_ != nullptr; }
  /// Ends a pending progress line with a newline, if one is pending.
  void end_progress();
  /// Wraps \p text in the colour's escape codes when colours are on.
  std::string paint(std::string_view text, Color color) const;

  /// Decides the colour setting for a stream: a terminal, NO_COLOR unset, TERM not "dumb".
  static bool want_color(bool is_tty);

 private:
  std::ostream& out_;
  std::ostream& err_;
  int verbosity_;
  bool color_;
  bool err_is_tty_;
  bool pending_line_ = false;
  std::function<void(std::string_view)> progress_observer_;
};

/// The Python mpytool's format_size(): "23B", "1.00K", "97.7K", "142K", "1.38M".
MPYTOOL_CORE_API std::string format_size(double bytes);

/// How printable() treats line breaks.
enum class LineBreaks {
  kEscape,  ///< '\n' becomes "\\n" (one name, one line of a listing)
  kKeep     ///< '\n', "\r\n" and '\t' pass (a message of several lines, a traceback)
};

/// \p text made safe to show on a terminal, for names and messages that come from a board (or
/// anything else not under the user's control): valid UTF-8 that prints stays as it is; C0
/// controls and DEL become "\\t", "\\n", "\\r" or "\\xNN" (ESC is "\\x1b"), a byte that is not
/// part of valid UTF-8 becomes "\\xNN", and the code points a terminal may act on or that
/// reorder or break lines (C1 controls U+0080..U+009F, U+2028, U+2029, the bidirectional
/// embeddings, overrides and isolates U+202A..U+202E, U+2066..U+2069) become "\\uXXXX". A
/// backslash stays a backslash (the result is for people; --json output is exact), so the
/// function is idempotent: printable(printable(x)) == printable(x).
MPYTOOL_CORE_API std::string printable(std::string_view text,
                                       LineBreaks breaks = LineBreaks::kEscape);

}  // namespace mpytool
