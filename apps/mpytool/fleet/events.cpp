// SPDX-License-Identifier: MIT
#include "events.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

#include "mpytool/base/json.hpp"

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

std::map<std::string, std::string> parse_flat_json(std::string_view s) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  auto ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  };
  auto str = [&](std::string& v) -> bool {
    if (i >= s.size() || s[i] != '"') return false;
    for (++i; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] != '\\') {
        v += s[i];
        continue;
      }
      if (++i >= s.size()) return false;
      switch (s[i]) {
        case 'n':
          v += '\n';
          break;
        case 't':
          v += '\t';
          break;
        case 'r':
          v += '\r';
          break;
        case 'b':
          v += '\b';
          break;
        case 'f':
          v += '\f';
          break;
        case 'u': {
          if (i + 4 >= s.size()) return false;
          for (std::size_t k = 1; k <= 4; ++k) {
            if (!std::isxdigit(static_cast<unsigned char>(s[i + k]))) return false;
          }
          const unsigned cp = static_cast<unsigned>(
              std::strtoul(std::string(s.substr(i + 1, 4)).c_str(), nullptr, 16));
          i += 4;
          // UTF-8 for the BMP (json_quote escapes only control characters).
          if (cp < 0x80) {
            v += static_cast<char>(cp);
          } else if (cp < 0x800) {
            v += static_cast<char>(0xC0 | (cp >> 6));
            v += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            v += static_cast<char>(0xE0 | (cp >> 12));
            v += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            v += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default:
          v += s[i];
      }
    }
    if (i >= s.size()) return false;
    ++i;
    return true;
  };
  ws();
  if (i >= s.size() || s[i] != '{') return {};
  ++i;
  while (true) {
    ws();
    if (i < s.size() && s[i] == '}') return out;
    std::string key, value;
    if (!str(key)) return {};
    ws();
    if (i >= s.size() || s[i] != ':') return {};
    ++i;
    ws();
    if (i < s.size() && s[i] == '"') {
      if (!str(value)) return {};
    } else if (i < s.size() && (s[i] == '{' || s[i] == '[')) {
      int depth = 0;  // skip a nested value (strings inside are not expected)
      for (; i < s.size(); ++i) {
        if (s[i] == '{' || s[i] == '[') ++depth;
        if ((s[i] == '}' || s[i] == ']') && --depth == 0) {
          ++i;
          break;
        }
      }
      value = "";
    } else {
      while (i < s.size() && s[i] != ',' && s[i] != '}') value += s[i++];
      while (!value.empty() && value.back() == ' ') value.pop_back();
    }
    out[key] = value;
    ws();
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == '}') return out;
    return {};
  }
}

}  // namespace mpytool::cli
