// SPDX-License-Identifier: MIT
/// \file
/// The board inventory: names for boards, so `-p @bench-3` finds the same board whatever /dev
/// name it has today, and `fleet --all` / `fleet --label L` know which boards there are.
///
/// The file is YAML (`boards:` maps a name to an identity, a profile and labels):
/// \code{.yaml}
/// boards:
///   bench-3:
///     port: id:E6614C311B3F     # anything -p takes: a path, id:, loc:, uid:
///     profile: rp2              # optional: --profile for this board
///     labels: [line1, rp2]      # optional: fleet --label line1
///   gateway:
///     address: 192.168.4.1:23   # or a network address (-a)
///   esp-lab:
///     address: ws://192.168.4.7 # a WebREPL (-a ws://...)
///     password: secret          # its password (MPYTOOL_PASSWORD and --password win)
/// \endcode
/// Found as $MPYTOOL_INVENTORY, else `mpytool.yaml` in the working directory or the nearest
/// parent that has one (a project's boards), else `~/.config/mpytool/inventory.yaml`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/boards/export.hpp"

namespace mpytool {

/// One named board.
struct MPYTOOL_BOARDS_API InventoryBoard {
  std::string name;                 ///< the key under `boards:`
  std::string port;                 ///< `port`: a -p value (not @NAME); empty with `address`
  std::string address;              ///< `address`: HOST[:PORT] or ws://...; empty with `port`
  std::string password;             ///< `password`: the WebREPL password ("" = none given)
  std::string profile;              ///< `profile`: id or file, "" = match automatically
  std::vector<std::string> labels;  ///< `labels`
  std::string description;          ///< `description`

  /// True if `labels` has \p label.
  bool has_label(std::string_view label) const;
};

/// A loaded inventory file.
struct MPYTOOL_BOARDS_API Inventory {
  std::filesystem::path path;          ///< where it was read from
  std::vector<InventoryBoard> boards;  ///< in file order

  /// The board named \p name, or nullptr.
  const InventoryBoard* find(std::string_view name) const;
};

/// The inventory file in force (see the file comment), or nullopt when there is none.
MPYTOOL_BOARDS_API std::optional<std::filesystem::path> find_inventory_file();

/// Loads and validates \p file. Unknown keys, wrong types, a board with both or neither of
/// `port` and `address`, or `port: @x` throw UsageError "inventory 'F' (line L, column C):
/// boards.x.port: ...".
MPYTOOL_BOARDS_API Inventory load_inventory(const std::filesystem::path& file);

/// The inventory in force. Throws UsageError "no inventory (mpytool.yaml, ...)" when there is
/// none.
MPYTOOL_BOARDS_API Inventory load_inventory();

}  // namespace mpytool
