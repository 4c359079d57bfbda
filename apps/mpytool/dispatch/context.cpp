// SPDX-License-Identifier: MIT
#include "context.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "cli/password_prompt.hpp"
#include "cli/suggest.hpp"
#include "dispatch/signals.hpp"
#include "fleet/vboard.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/boards/port_selector.hpp"
#include "mpytool/boards/probe.hpp"
#include "mpytool/link/conn.hpp"
#include "mpytool/link/conn_serial.hpp"
#include "mpytool/link/conn_socket.hpp"
#include "mpytool/link/ports.hpp"
#include "mpytool/links/conn_webrepl.hpp"
#include "mpytool/links/link_url.hpp"
#include "mpytool/profile/board_profile.hpp"
#include "mpytool/transfer/settings.hpp"

namespace mpytool::cli {

namespace {

/// --profile: a file when the value has a '/' or a .yaml/.yml suffix, otherwise an id.
BoardProfile explicit_profile(const GlobalOptions& g) {
  const std::string& v = g.profile;
  if (names_profile_file(v)) {
    return load_profile(v, profile_search_path(g.profile_dirs));
  }
  std::vector<BoardProfile> profiles = find_profiles(profile_search_path(g.profile_dirs));
  if (const BoardProfile* p = find_profile_by_id(profiles, v)) return *p;
  std::vector<std::string> ids;
  for (const auto& p : profiles) ids.push_back(p.id);
  std::string hint = did_you_mean(v, ids);
  if (hint.empty()) hint = "run 'mpytool profiles' for the list of profiles";
  throw UsageError(fmt::format("unknown profile '{}'", v), hint);
}

}  // namespace

AppContext::AppContext(const GlobalOptions& globals, Output& out)
    : globals_(globals), plugin_view_(plugin_view(globals)), out_(out) {
  if (!globals_.profile.empty()) {
    profile_ = explicit_profile(globals_);
    profile_resolved_ = true;
    profile_reason_ = globals_.profile_from_inventory
                          ? fmt::format("inventory board @{}", globals_.board_name)
                          : "--profile " + globals_.profile;
  }
}

AppContext::~AppContext() { finish(); }

void AppContext::open() {
  if (conn_) return;
  if (globals_.vboard) {
    vboard_ = VirtualBoard::start(globals_.vboard_args);
    conn_ = std::make_unique<ConnSocket>(vboard_->tcp_address());
    out_.verbose(2, fmt::format("Connected to virtual board {} ({})", vboard_->tcp_address(),
                                vboard_->pty()));
  } else if (links::is_webrepl_url(globals_.address)) {
    // -a ws://HOST[:PORT], wss://: the board's own WebREPL (mpytool::links).
    const bool wss =
        globals_.address.size() > 3 && (globals_.address[2] == 's' || globals_.address[2] == 'S');
    if (globals_.tls.enabled && !wss) {
      throw UsageError(fmt::format("'{}' is a plain WebREPL: TLS needs wss://", globals_.address),
                       "use -a wss://HOST[:PORT] with the --ssl options");
    }
    links::WebreplOptions options;
    options.tls = globals_.tls;
    options.password = webrepl_password(globals_, globals_.address);
    options.notice = [this](const std::string& message) { out_.verbose(2, message); };
    // What the SIGINT handler does on other links (a 0x03 written to the fd), once per Ctrl-C,
    // while a command that runs code on the board waits.
    options.interrupt_requested = [this, sent = false]() mutable {
      if (!interrupted()) sent = false;
      if (!framed_interrupts_ || !interrupted() || sent) return false;
      sent = true;
      return true;
    };
    conn_ = std::make_unique<links::ConnWebrepl>(globals_.address, std::move(options));
    out_.verbose(2, "Connected to " + conn_->description());
  } else if (!globals_.address.empty()) {
    conn_ = std::make_unique<ConnSocket>(globals_.address, globals_.tls);
    out_.verbose(2, "Connected to " + conn_->description());
  } else if (links::is_link_url(globals_.port)) {
    // -p rfc2217://HOST:PORT (a remote serial port), -p socket://HOST:PORT (raw TCP, as -a):
    // a link named by a URL, neither a selector nor a device path (mpytool::links).
    conn_ = links::open_link(globals_.port, globals_.baud);
    out_.verbose(2, "Connected to " + conn_->description());
  } else {
    // -p id:/loc:/uid: name a board, not a /dev entry (boards/port_selector.hpp).
    std::string port = globals_.port.empty() ? detect_port()
                                             : resolve_port(parse_port_selector(globals_.port),
                                                            list_ports(), globals_.baud);
    if (!globals_.port.empty() && port != globals_.port) {
      out_.verbose(2, fmt::format("{} is {}", globals_.port, port));
    }
    conn_ = std::make_unique<ConnSerial>(port, globals_.baud);
    std::string description;
    try {
      PortInfo info = port_info(port);
      description = info.description;
      facts_ = port_facts(info);
    } catch (const std::exception&) {
    }
    out_.verbose(2,
                 fmt::format("Connected to {} {}", out_.paint(port, Color::kYellow), description));
    // The port's USB identity chooses a profile before the first byte (entry delay, window);
    // once the board was asked, profile() matches again with its platform and machine.
    if (!profile_resolved_ && !facts_.usb.empty()) {
      try {
        match(profiles(), false);
      } catch (const UsageError& e) {
        logger().warn("no profile chosen from the USB id: {}", e.what());
      }
    }
  }
  if (profile_ && profile_->entry_delay && *profile_->entry_delay > 0) {
    // Boards that drop what arrives right after the open (a USB bridge still starting).
    std::this_thread::sleep_for(std::chrono::duration<double>(*profile_->entry_delay));
    while (conn_->has_data(0)) conn_->read(0.01);
    conn_->flush();
  }
}

const std::vector<BoardProfile>& AppContext::profiles() {
  if (!profiles_) profiles_ = find_profiles(profile_search_path(globals_.profile_dirs));
  return *profiles_;
}

void AppContext::match(const std::vector<BoardProfile>& profiles, bool final) {
  ProfileMatch m = match_profile(profiles, facts_);
  if (final) profile_resolved_ = true;
  if (!m.profile) return;
  profile_ = *m.profile;
  profile_reason_ = m.reason;
  // Matched on platform and machine over a link with no USB id: its USB condition was not
  // checked, so what only the USB stack provides (holding the host back) is not promised.
  usb_unchecked_ = (!profile_->match_usb.empty() || !profile_->match_usb_serial.empty() ||
                    profile_->match_usb_product) &&
                   facts_.usb.empty();
  out_.verbose(2, fmt::format("Profile {} ({})", profile_->id, profile_reason_));
  apply_profile();
}

Conn& AppContext::conn() {
  open();
  return *conn_;
}

Mpy& AppContext::mpy() {
  open();
  if (!mpy_) {
    mpy_ = std::make_unique<Mpy>(*conn_);
    apply_profile();
  }
  return *mpy_;
}

void AppContext::apply_profile() {
  if (!mpy_) return;
  // The profile over the built-in defaults; the plugins that move data lay their command-line
  // options over this (transfer/options.hpp).
  TransferSettings ts;
  ts.cancelled = [] { return cli::interrupted(); };
  if (profile_) {
    if (profile_->transfer_path) {
      ts.path = parse_transfer_path(*profile_->transfer_path).value_or(TransferPath::kAuto);
    }
    ts.compress = profile_->compress;
    ts.chunk_size = profile_->chunk_size;
    if (profile_->window && !usb_unchecked_) {
      ts.window = *profile_->window;
    } else if (profile_->stdin_buffer) {
      // Keep a few bytes of the board's buffer free for what a USB stack holds back.
      ts.window = std::max(16, *profile_->stdin_buffer - 4);
    }
  }
  transfer_settings(*mpy_) = std::move(ts);
  if (!profile_ || profile_->raw_paste == RawPasteMode::kAuto) return;
  MpyComm& comm = mpy_->comm();
  if (!comm.raw_paste_supported()) {
    comm.set_raw_paste_supported(profile_->raw_paste == RawPasteMode::kYes);
  }
}

const BoardProfile* AppContext::profile() {
  if (!profile_resolved_ && repl_connected_) {
    profile_resolved_ = true;
    const PlatformInfo& p = mpy().platform();
    facts_.platform = p.platform;
    facts_.machine = p.machine;
    match(profiles(), true);
  }
  return profile_ ? &*profile_ : nullptr;
}

void AppContext::provide(Needs needs) {
  // Between commands is a safe point for deferred session work (a remount after a reboot).
  // A command that only watches the link (repl, monitor) lets boot.py/main.py run first.
  if (mpy_ && needs != Needs::kNothing) mpy_->service(needs == Needs::kPort);
  switch (needs) {
    case Needs::kNothing:
      break;
    case Needs::kPort:
      conn();
      break;
    case Needs::kRepl:
      mpy();
      apply_profile();  // again after a reset forgot it
      mpy_->comm().enter_raw_repl();
      repl_connected_ = true;
      break;
  }
  // Ctrl-C reaches the board only while code runs in the raw REPL (exec, run, eval). Commands
  // that merely watch the link (monitor) stop watching and leave the board's program running,
  // as the Python mpytool does. A raw Ctrl-C byte on a TLS stream would corrupt it: there, never.
  // Nor on a WebSocket (WebREPL), where a byte outside a frame breaks the framing.
  const bool tls = globals_.tls.enabled && !globals_.address.empty();
  const bool framed = conn_ && conn_->type_name() == "WebREPL";
  framed_interrupts_ = framed && needs == Needs::kRepl;
  set_interrupt_fd(needs == Needs::kRepl && conn_ && !tls && !framed ? conn_->fd() : -1);
}

bool AppContext::has_capability(const std::string& cap) {
  if (auto it = caps_.find(cap); it != caps_.end()) return it->second;
  bool has = false;
  if (cap == "transport.tcp") {
    has = conn().type_name() == "socket";
  } else if (cap == "transport.serial") {
    has = conn().type_name() != "socket" && conn().type_name() != "WebREPL";
  } else if (cap == "transport.control_lines") {
    // A remote serial port carries DTR and RTS too (RFC 2217 SET-CONTROL).
    has = conn().type_name() == "USB-UART" || conn().type_name() == "RFC 2217";
  } else if (const BoardProfile* p = profile(); p && p->has_capability(cap)) {
    has = true;
  } else if (cap.rfind("platform.", 0) == 0) {
    has = mpy().platform().platform == cap.substr(9);
  } else if (cap.rfind("module.", 0) == 0) {
    std::string module = cap.substr(7);
    std::string code =
        fmt::format("try:\n import {0}\n print(1)\nexcept ImportError:\n print(0)\n", module);
    try {
      has = mpy().comm().exec(code, 5.0).find('1') != std::string::npos;
    } catch (const CmdError&) {
      has = false;
    }
  }
  caps_[cap] = has;
  return has;
}

bool AppContext::interrupted() const { return cli::interrupted(); }

void AppContext::clear_interrupt() { cli::clear_interrupt(); }

void AppContext::reconnect() {
  set_interrupt_fd(-1);
  mpy_.reset();
  conn_.reset();
  caps_.clear();
  open();
}

void AppContext::finish() noexcept {
  if (conn_) {
    if (mpy_) {
      mpy_->close_session();  // e.g. active mounts leave the board as it was
      try {
        mpy_->comm().exit_raw_repl();
      } catch (...) {
      }
    }
  }
  set_interrupt_fd(-1);
  try {
    mpy_.reset();
    conn_.reset();
  } catch (...) {
  }
  vboard_.reset();
}

}  // namespace mpytool::cli
