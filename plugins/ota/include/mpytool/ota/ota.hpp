// SPDX-License-Identifier: MIT
/// \file
/// Firmware updates over the air of the link (ESP32): write → verify → set_boot → machine reset
/// → reconnect → health check (the raw REPL answers, the new slot runs) → confirm, and the
/// status, confirm and rollback operations around it. A board that comes back on its old app is
/// reported with RollbackError (exit 7).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/esp32/partitions.hpp"
#include "mpytool/ota/export.hpp"

namespace mpytool {
class Mpy;
}

namespace mpytool::ota {

/// One app slot as status() sees it.
struct SlotStatus {
  std::string label;
  std::string state;               ///< ota_state_name() of its otadata entry ("undefined": none)
  std::optional<EspAppDesc> desc;  ///< the description of the app image it holds
  bool running = false;
};

/// The OTA status of a board.
struct Status {
  std::string running, boot, next;
  std::vector<SlotStatus> slots;
  /// True while the running app is not confirmed: the next reset rolls back.
  bool pending_verify = false;
};

/// Reads the status (the table, otadata and the head of every app slot).
MPYTOOL_OTA_API Status status(Mpy& mpy);
/// The status as text lines and as JSON.
MPYTOOL_OTA_API std::string format_status(const Status& s);
MPYTOOL_OTA_API std::string status_json(const Status& s);

/// Marks the running app valid (cancels the pending rollback).
MPYTOOL_OTA_API void confirm(Mpy& mpy);

/// How update() goes.
struct UpdateOptions {
  bool reset = true;    ///< reset into the new app and check it
  bool confirm = true;  ///< mark it valid after the health check
  double reconnect_timeout = 20.0;
  std::optional<bool> compress;
  std::vector<ProfilePartition> layout;  ///< a profile's `flash.layout` (the layout guard)
  bool force = false;                    ///< write although the layout differs
};

/// What update() did.
struct UpdateResult {
  esp32::OtaResult write;
  bool reset = false;      ///< the board was reset into the new app
  bool confirmed = false;  ///< and it was marked valid
};

/// The whole update. Throws what esp32::ota_write() throws, ConnError when the board does not
/// come back, RollbackError when it comes back on the old app.
MPYTOOL_OTA_API UpdateResult update(Mpy& mpy, std::string_view image, const UpdateOptions& options,
                                    const FlashProgress& progress = {},
                                    std::string_view name = "firmware");

/// Boots the other app slot (set_boot() verifies it); with \p reset resets into it. Returns the
/// slot. Throws MpyError when there is no other app to roll back to.
MPYTOOL_OTA_API std::string rollback(Mpy& mpy, bool reset, double reconnect_timeout = 20.0);

}  // namespace mpytool::ota
