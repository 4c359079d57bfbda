// SPDX-License-Identifier: MIT
/// \file
/// Machine-readable progress: with MPYTOOL_EVENTS=FILE set, mpytool appends one JSON object per
/// line to FILE as a chain runs (what `fleet` reads from each board's process, and what
/// `fleet --events` forwards):
///   {"event":"step","step":0,"command":"cp","state":"start"}
///   {"event":"progress","step":0,"text":"[3/54] app/mod_03.py 45%"}
///   {"event":"step","step":0,"command":"cp","state":"ok","seconds":1.234}
///   {"event":"step","step":1,"command":"exec","state":"failed","seconds":0.1,"exit":4,
///    "error":"OSError: [Errno 2] ENOENT"}
/// `state` is start, ok, unchanged (the command found nothing to do) or failed. Progress lines
/// are sent at most every 200 ms.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "mpytool/base/json.hpp"

namespace mpytool::cli {

/// The MPYTOOL_EVENTS writer; does nothing when the variable is unset.
class EventLog {
 public:
  /// Opens $MPYTOOL_EVENTS for appending, if set (an unwritable file is ignored).
  EventLog();
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  /// True when events are written.
  bool enabled() const noexcept { return file_ != nullptr; }
  /// A step starts.
  void step_start(std::size_t step, std::string_view command);
  /// A step ended: \p state ok, unchanged or failed; \p error the one-line message.
  void step_end(std::size_t step, std::string_view command, std::string_view state, int exit_code,
                std::string_view error);
  /// A progress line of the running step (throttled).
  void progress(std::string_view text);

 private:
  void write(const std::string& line);
  std::FILE* file_ = nullptr;
  std::size_t step_ = 0;
  std::chrono::steady_clock::time_point started_, last_progress_;
};

/// The fields of one line EventLog writes, read with core's JSON reader (parse_json()): strings
/// unescaped, numbers and true/false/null as their JSON text, nested values as "". Empty when
/// the line is not a JSON object.
std::map<std::string, std::string> parse_flat_json(std::string_view line);

}  // namespace mpytool::cli
