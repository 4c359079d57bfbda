// SPDX-License-Identifier: MIT
// The error hierarchy: out-of-line destructors anchor the vtables (and the typeinfo) in the
// shared core, so a plugin's throw is caught by type in the app.
#include "mpytool/base/error.hpp"

#include <fmt/format.h>

#include <cctype>
#include <string_view>
#include <utility>

namespace mpytool {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Reads the digits at the start of \p s; -1 when there are none (or too many to be an errno).
int leading_number(std::string_view s) {
  int value = 0;
  std::size_t n = 0;
  while (n < s.size() && n < 6 && std::isdigit(static_cast<unsigned char>(s[n]))) {
    value = value * 10 + (s[n] - '0');
    ++n;
  }
  return n == 0 ? -1 : value;
}

// Boards print either `OSError: 2` (old ports, and the Python mpytool's only form) or
// `OSError: [Errno 2] ENOENT` (current ports). The last OSError in the text is the one that
// ended the program.
int parse_errno(std::string_view error) {
  constexpr std::string_view kTag = "OSError: ";
  int found = 0;
  for (std::size_t pos = error.find(kTag); pos != std::string_view::npos;
       pos = error.find(kTag, pos + 1)) {
    std::string_view rest = error.substr(pos + kTag.size());
    if (rest.substr(0, 7) == "[Errno ") rest.remove_prefix(7);
    if (int n = leading_number(rest); n >= 0) found = n;
  }
  return found;
}

std::string cmd_error_message(const std::string& command, const std::string& result,
                              const std::string& error) {
  if (int err = parse_errno(error); err != 0) {
    if (std::string text = errno_text(err); !text.empty()) {
      return "OSError: " + text + " (errno " + std::to_string(err) + ")";
    }
  }
  std::string msg = "Command:\n  " + std::string(trim(command)) + "\n";
  if (std::string_view r = trim(result); !r.empty()) msg += "Result:\n  " + std::string(r) + "\n";
  msg += "Error:\n  " + std::string(trim(error));
  return msg;
}

}  // namespace

MpyError::MpyError(const std::string& message, std::string hint)
    : std::runtime_error(message), hint_(std::move(hint)) {}
MpyError::~MpyError() = default;
UsageError::~UsageError() = default;
ConnError::~ConnError() = default;
ConnLost::~ConnLost() = default;
Timeout::~Timeout() = default;
BoardReset::~BoardReset() = default;

AnswerTooLarge::AnswerTooLarge(std::size_t limit)
    : ConnError(limit % (1024 * 1024) == 0
                    ? fmt::format("the board's answer exceeded {} MiB", limit / (1024 * 1024))
                    : fmt::format("the board's answer exceeded {} bytes", limit)) {}
AnswerTooLarge::~AnswerTooLarge() = default;

CmdError::CmdError(std::string command, std::string result, std::string error)
    : MpyError(cmd_error_message(command, result, error)),
      command_(std::move(command)),
      result_(std::move(result)),
      error_(std::move(error)),
      errno_(parse_errno(error_)) {}
CmdError::~CmdError() = default;

std::string CmdError::exception_line() const {
  std::string_view rest = error_;
  std::string_view last;
  while (!rest.empty()) {
    std::size_t nl = rest.find('\n');
    std::string_view line = trim(rest.substr(0, nl));
    if (!line.empty()) last = line;
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return std::string(last);
}

PathNotFound::PathNotFound(const std::string& path, const std::string& kind)
    : MpyError(kind + " '" + path + "' was not found"), path_(path) {}
PathNotFound::~PathNotFound() = default;
FileNotFound::FileNotFound(const std::string& path) : PathNotFound(path, "File") {}
FileNotFound::~FileNotFound() = default;
DirNotFound::DirNotFound(const std::string& path) : PathNotFound(path, "Dir") {}
DirNotFound::~DirNotFound() = default;

PluginError::~PluginError() = default;
CapabilityError::~CapabilityError() = default;
DeviceError::DeviceError(const std::string& message, int errno_value)
    : MpyError(message), errno_(errno_value) {}
DeviceError::~DeviceError() = default;

std::optional<DeviceError> DeviceError::from_errno(std::string_view action, int errno_value) {
  const std::string text = errno_text(errno_value);
  if (text.empty()) return std::nullopt;
  return DeviceError(fmt::format("cannot {}: {} (errno {})", action, text, errno_value),
                     errno_value);
}

Interrupted::Interrupted() : MpyError("Interrupted") {}
Interrupted::~Interrupted() = default;
RollbackError::~RollbackError() = default;

std::string errno_text(int err) {
  // The errnos MicroPython ports raise from filesystem and network calls (docs/compatibility.md,
  // "Error messages").
  static constexpr std::pair<int, const char*> kTexts[] = {{2, "No such file or directory"},
                                                           {13, "Permission denied"},
                                                           {17, "File exists"},
                                                           {19, "No such device"},
                                                           {20, "Not a directory"},
                                                           {21, "Is a directory"},
                                                           {22, "Invalid argument"},
                                                           {28, "No space left on device"},
                                                           {30, "Read-only filesystem"},
                                                           {36, "File name too long"},
                                                           {39, "Directory not empty"},
                                                           {110, "Connection timed out"},
                                                           {113, "No route to host"}};
  for (const auto& [number, text] : kTexts) {
    if (number == err) return text;
  }
  return {};
}

std::string host_error_text(const std::error_code& ec) {
  std::string text = ec.message();
  // "Permission denied" -> "permission denied"; "RFS specific error" keeps its acronym.
  if (!text.empty() && std::isupper(static_cast<unsigned char>(text[0])) &&
      !(text.size() > 1 && std::isupper(static_cast<unsigned char>(text[1])))) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

std::string host_error_text(int err) {
  return host_error_text(std::error_code(err, std::generic_category()));
}

}  // namespace mpytool
