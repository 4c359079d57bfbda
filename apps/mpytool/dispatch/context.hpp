// SPDX-License-Identifier: MIT
/// \file
/// The CommandContext of one mpytool invocation: one lazily opened link and one Mpy shared by
/// every command of every group (no soft reset between commands), opened according to each
/// command's Needs: -p serial, -a TCP (optionally TLS), --vboard a private virtual board, or the
/// one auto-detected serial port. The board profile is either given (--profile, loaded when the
/// context is created) or matched lazily on request (see CommandContext::profile()).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "cli/global_options.hpp"
#include "mpytool/plugin/command.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/profile/board_profile.hpp"

namespace mpytool {
class Conn;
class Mpy;
class Output;
}  // namespace mpytool

namespace mpytool::cli {

class VirtualBoard;

/// The session behind CommandContext. Not thread-safe.
class AppContext final : public CommandContext {
 public:
  /// \p globals and \p out must outlive the context. Loads the --profile profile; throws
  /// UsageError if it is broken or unknown.
  AppContext(const GlobalOptions& globals, Output& out);
  /// Calls finish().
  ~AppContext() override;

  Mpy& mpy() override;
  Conn& conn() override;
  Output& out() override { return out_; }
  /// plugin_view() of the global options, made when the context is.
  const PluginOptions& globals() const override { return plugin_view_; }
  /// The global options, the app's own included.
  const GlobalOptions& options() const noexcept { return globals_; }
  bool more_commands_follow() const override { return more_follow_; }
  /// Device capabilities: "transport.tcp", "transport.serial", "transport.control_lines",
  /// "platform.<sys.platform>", "module.<name>" (probed once with an import), and, except for
  /// "transport.*", whatever the profile lists.
  bool has_capability(const std::string& cap) override;
  /// The --profile (or inventory) profile, the one the serial port's USB identity matches, or
  /// the one matched from platform() on the first call after a raw-REPL command connected.
  const BoardProfile* profile() override;
  /// Why profile() is what it is ("--profile esp32", "USB 2e8a:0005", "platform rp2").
  std::string profile_reason() override { return profile_reason_; }
  /// Kept for the dispatcher's step events.
  void note_outcome(const std::string& outcome) override { outcome_ = outcome; }
  /// The outcome the running command noted ("" none); take_outcome() clears it.
  std::string take_outcome() { return std::exchange(outcome_, {}); }
  /// The SIGINT flag of signals.hpp.
  bool interrupted() const override;
  /// Clears the SIGINT flag of signals.hpp.
  void clear_interrupt() override;

  /// Set by the dispatcher before each command.
  void set_more_commands_follow(bool more) noexcept { more_follow_ = more; }
  /// Provides what a command declared: nothing, an open link, or the raw REPL.
  void provide(Needs needs);
  /// True once the link is open.
  bool connected() const noexcept { return conn_ != nullptr; }
  /// Leaves the raw REPL (Ctrl-B; Ctrl-C first after an interrupt), closes the link and stops
  /// the virtual board. Ignores every error. Idempotent.
  void finish() noexcept;
  /// The link broke: forgets it and the board state and opens a new one (a TCP link; the
  /// board kept running). Throws what open() throws.
  void reconnect();
  /// True for a link that can be opened again after it broke (TCP, the virtual board).
  bool reconnectable() const noexcept { return globals_.vboard || !globals_.address.empty(); }

 private:
  void open();
  /// Hands the profile's transfer settings (and the global options that override them) to Mpy
  /// and tells MpyComm what the profile says about raw-paste, unless it already knows.
  void apply_profile();
  /// The profiles of the search path, read once (the USB match and the platform match).
  const std::vector<BoardProfile>& profiles();
  /// Chooses the profile that \p facts_ match (if any) and applies it; \p final: the board
  /// was asked, no later match.
  void match(const std::vector<BoardProfile>& profiles, bool final);

  const GlobalOptions& globals_;
  const PluginOptions plugin_view_;
  Output& out_;
  std::unique_ptr<VirtualBoard> vboard_;
  std::unique_ptr<Conn> conn_;
  std::unique_ptr<Mpy> mpy_;
  std::map<std::string, bool> caps_;
  std::optional<BoardProfile> profile_;
  std::optional<std::vector<BoardProfile>> profiles_;
  bool profile_resolved_ = false;   ///< explicit, or matched once (even if nothing matched)
  bool framed_interrupts_ = false;  ///< a WebREPL link sends Ctrl-C itself (provide())
  bool repl_connected_ = false;     ///< a Needs::kRepl command got its raw REPL
  std::string profile_reason_;
  BoardFacts facts_;  ///< the serial port's USB identity, then the board's platform
  /// The matched profile has a USB condition the link could not check (a pty, TCP): its
  /// `transfer.window`, which a USB stack's flow control makes safe, is not applied.
  bool usb_unchecked_ = false;
  bool more_follow_ = false;
  std::string outcome_;
};

}  // namespace mpytool::cli
