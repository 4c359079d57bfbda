// SPDX-License-Identifier: MIT
/// \file
/// Board profiles: small YAML files (profiles/*.yaml, documented in profiles/README.md) that
/// hold per-target settings: how to recognise the board, the capabilities it declares, whether
/// it supports raw-paste, transfer sizes, how it resets and how its flash is laid out. A profile
/// is chosen explicitly (`--profile ID|FILE`) or matched from sys.platform and the machine
/// string. A broken profile is a user error (UsageError, exit 2) whose message names the file
/// and the key: "profile '/x/bad.yaml': transfer.chunk_size: expected an integer, got 'big'".
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/base/export.hpp"
#include "mpytool/link/ports.hpp"
#include "mpytool/link/reset_sequence.hpp"

namespace mpytool {

/// `repl.raw_paste`: whether the board supports raw-paste mode (docs/compatibility.md, "Raw-paste
/// mode").
enum class RawPasteMode {
  kAuto,  ///< probe with `\x05A\x01` on first use (the default)
  kYes,   ///< supported: no probe
  kNo,    ///< not supported: never probe, use the normal raw REPL
};

/// `reset.hard`: how a hardware reset is done (docs/compatibility.md, "Reset").
enum class HardReset {
  kRts,   ///< pulse RTS (EN) with DTR released: USB-UART bridges wired like ESP32 boards
  kNone,  ///< no hardware reset line (USB-CDC boards)
};

/// `reset.bootloader`: how the board enters its bootloader (docs/compatibility.md, "Reset").
enum class BootloaderReset {
  kDtrRts,   ///< the ESP32 ROM download sequence on DTR/RTS
  kMachine,  ///< `machine.bootloader()`
  kNone,     ///< not possible from the host
};

/// `flash.layout`: what the raw flash looks like to the flash commands (docs/compatibility.md,
/// "Flash").
enum class FlashLayout {
  kPartitions,  ///< ESP32 partition table (esp32.Partition)
  kUserFlash,   ///< one user flash area (rp2.Flash)
  kNone,        ///< no raw flash access
};

/// One entry of a profile's expected partition table (`flash.layout` as a list).
struct ProfilePartition {
  std::string label;
  int type = 0;  ///< 0 app, 1 data
  int subtype = 0;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

/// One loaded profile. Omitted optional keys stay std::nullopt (or empty).
struct BoardProfile {
  std::string id;           ///< `id`: unique name, e.g. "esp32"
  std::string description;  ///< `description`: one line, may be empty
  /// `match.platform`: the sys.platform value; empty when the profile has no `match` (it is
  /// then only chosen by id, or as the fallback when its id is "generic").
  std::string match_platform;
  std::optional<std::string> match_machine_contains;  ///< `match.machine_contains`
  std::optional<std::string> match_machine;      ///< `match.machine`: ECMAScript regex (search)
  std::vector<std::string> match_usb;            ///< `match.usb`: "vvvv:pppp", lower-case hex
  std::vector<std::string> match_usb_serial;     ///< `match.usb_serial`: exact serial numbers
  std::optional<std::string> match_usb_product;  ///< `match.usb_product`: occurs in the product
  std::vector<std::string> capabilities;         ///< `capabilities`: "platform.esp32", ...
  RawPasteMode raw_paste = RawPasteMode::kAuto;  ///< `repl.raw_paste`
  std::optional<int> chunk_size;    ///< `transfer.chunk_size` in bytes; nullopt = automatic
  std::optional<int> stdin_buffer;  ///< `transfer.stdin_buffer`: bytes buffered on stdin
  /// `transfer.window`: the stream credit window in bytes (default: stdin_buffer - 4, else 256).
  /// A native USB-CDC link loses nothing when the host sends ahead: its profile raises this.
  std::optional<int> window;
  std::optional<std::string> transfer_path;  ///< `transfer.path`: "auto", "stream" or "text"
  std::optional<bool> compress;              ///< `transfer.compress`: yes/no (absent: auto)
  /// `repl.entry_delay` in seconds: wait after opening the port before the first byte (boards
  /// that drop what arrives right after the open); input until then is discarded.
  std::optional<double> entry_delay;
  std::optional<HardReset> hard_reset;              ///< `reset.hard`
  std::optional<BootloaderReset> bootloader_reset;  ///< `reset.bootloader`
  /// `reset.hard` given as a DTR/RTS sequence (reset_sequence.hpp) instead of a preset.
  std::optional<ResetSequence> hard_reset_sequence;
  /// `reset.bootloader` given as DTR/RTS sequences or their names (classic, unix-tight,
  /// usb-jtag-serial): one, or a list tried in turn until the bootloader answers.
  std::vector<ResetSequence> bootloader_sequences;
  std::optional<FlashLayout> flash_layout;  ///< `flash.layout`
  /// `flash.layout` given as a list: the partition table a vendor's board must have; the
  /// flash and OTA commands compare the board's table with it before any write (kPartitions).
  std::vector<ProfilePartition> flash_table;
  std::string fs_type;   ///< `fs.type`: "littlefs", "fat", ... ("" unknown); shown by info -v
  std::string fs_mount;  ///< `fs.mount`: where the board's filesystem is ("/", "/flash")
  /// The sections core does not read (e.g. `firmware:`): mappings of plain values, by dotted
  /// key ("firmware.baud" -> "460800"). The plugin that owns a section checks its keys.
  std::map<std::string, std::string> settings;
  std::filesystem::path path;  ///< the file it was loaded from
  std::string extends;         ///< `extends`: the id it inherits from ("" none)

  /// True if `capabilities` lists \p cap.
  bool has_capability(std::string_view cap) const {
    for (const auto& c : capabilities) {
      if (c == cap) return true;
    }
    return false;
  }
};

/// Loads and validates one profile file: unknown keys, wrong types, bad values and invalid YAML
/// throw UsageError "profile '<path>': <key>: <problem>". `extends: ID` inherits profile ID,
/// found in \p dirs (first file of that id in search order; chains allowed, cycles refused):
/// the file's keys override the base's, mappings merge key by key, lists replace.
MPYTOOL_CORE_API BoardProfile load_profile(const std::filesystem::path& file,
                                           const std::vector<std::filesystem::path>& dirs = {});

/// The profile directories in search order, without duplicates and without directories that do
/// not exist:
///  1. \p explicit_dirs (--profile-dir, in the order given), then `./.mpytool/profiles` (a
///     project's own boards);
///  2. the ':'-separated entries of the MPYTOOL_PROFILE_PATH environment variable;
///  3. `$HOME/.config/mpytool/profiles`;
///  4. `<directory of the executable>/../share/mpytool/profiles` (the build tree mirrors the
///     install tree);
///  5. the install data directory's `profiles` (compile definition MPYTOOL_INSTALL_DATA_DIR).
/// Steps 2-5 are skipped when \p include_defaults is false (tests).
MPYTOOL_CORE_API std::vector<std::filesystem::path> profile_search_path(
    const std::vector<std::string>& explicit_dirs, bool include_defaults = true);

/// Loads every `*.yaml` / `*.yml` file of each directory of \p dirs in order (files of one
/// directory in name order). The first profile of an id wins; later ones are skipped. Throws
/// UsageError for the first broken file.
MPYTOOL_CORE_API std::vector<BoardProfile> find_profiles(
    const std::vector<std::filesystem::path>& dirs);

/// The profile with id \p id, or nullptr.
MPYTOOL_CORE_API const BoardProfile* find_profile_by_id(const std::vector<BoardProfile>& profiles,
                                                        std::string_view id);

/// What is known of a board when its profile is chosen.
struct BoardFacts {
  std::string platform;     ///< sys.platform; "" before the board was asked (USB facts only)
  std::string machine;      ///< os.uname().machine
  std::string usb;          ///< "vvvv:pppp" of the serial port; "" when not USB
  std::string usb_serial;   ///< the port's USB serial number
  std::string usb_product;  ///< the port's USB product string
};

/// The USB facts of \p port (id, serial, product; all empty when it is no USB device).
MPYTOOL_CORE_API BoardFacts port_facts(const PortInfo& port);

/// True when a `--profile` value (or an inventory board's `profile`) names a file rather than
/// an id: it has a '/' or a .yaml/.yml suffix.
MPYTOOL_CORE_API bool names_profile_file(std::string_view value);

/// A chosen profile and why.
struct ProfileMatch {
  const BoardProfile* profile = nullptr;  ///< nullptr: nothing matched
  std::string reason;  ///< "USB 2e8a:0005", "platform rp2, machine ~ 'RP2040'", "fallback"
};

/// The most specific profile for \p facts. Every `match` condition a profile sets must hold:
/// `platform` equal, `machine_contains` a substring, `machine` a regex found in the machine
/// string, `usb` listing the port's id, `usb_serial` listing its serial, `usb_product` a
/// substring of its product. USB conditions are skipped when the link is not USB (TCP), and
/// such a profile then loses a tie to one that has none (esp32 beats esp32-usb over TCP).
/// Before the board was asked (\p facts.platform empty) only profiles with a USB condition and
/// no machine condition can match — a match from the port alone, applied before the first byte
/// is sent (and matched again with the platform once the board was asked). Each
/// condition that holds makes a profile more specific; ties go to the earlier profile. When
/// nothing matches and the platform is known, the profile with id "generic" is the fallback.
MPYTOOL_CORE_API ProfileMatch match_profile(const std::vector<BoardProfile>& profiles,
                                            const BoardFacts& facts);

/// match_profile() from the platform, machine and USB id only; nullptr when nothing matches.
MPYTOOL_CORE_API const BoardProfile* match_profile(const std::vector<BoardProfile>& profiles,
                                                   std::string_view platform,
                                                   std::string_view machine,
                                                   std::string_view usb = {});

}  // namespace mpytool
