// SPDX-License-Identifier: MIT
#include "events.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::cli {

using Clock = std::chrono::steady_clock;

EventLog::EventLog() {
  if (const char* path = std::getenv("MPYTOOL_EVENTS"); path && *path) {
    file_ = std::fopen(path, "ae");
  }
}

EventLog::~EventLog() {
  if (file_) std::fclose(file_);
}

void EventLog::write(const std::string& line) {
  if (!file_) return;
  std::fputs(line.c_str(), file_);
  std::fputc('\n', file_);
  std::fflush(file_);
}

void EventLog::step_start(std::size_t step, std::string_view command) {
  step_ = step;
  started_ = Clock::now();
  write(fmt::format(R"({{"event":"step","step":{},"command":{},"state":"start"}})", step,
                    json_quote(command)));
}

void EventLog::step_end(std::size_t step, std::string_view command, std::string_view state,
                        int exit_code, std::string_view error) {
  const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  std::string line = fmt::format(
      R"({{"event":"step","step":{},"command":{},"state":{},"seconds":{:.3f},"exit":{})", step,
      json_quote(command), json_quote(state), seconds, exit_code);
  if (!error.empty()) line += fmt::format(R"(,"error":{})", json_quote(error));
  write(line + "}");
}

void EventLog::progress(std::string_view text) {
  if (!file_) return;
  const auto now = Clock::now();
  if (now - last_progress_ < std::chrono::milliseconds(200)) return;
  last_progress_ = now;
  write(fmt::format(R"({{"event":"progress","step":{},"text":{}}})", step_, json_quote(text)));
}

std::map<std::string, std::string> parse_flat_json(std::string_view line) {
  std::map<std::string, std::string> fields;
  try {
    const PyValue object = parse_json(line);
    if (!object.is_dict()) return {};
    for (const auto& [key, value] : object.entries()) {
      if (!key.is_str()) return {};
      fields[key.as_str()] = value.is_str()                           ? value.as_str()
                             : value.is_sequence() || value.is_dict() ? std::string()
                                                                      : to_json(value);
    }
  } catch (const MpyError&) {
    return {};
  }
  return fields;
}

}  // namespace mpytool::cli
