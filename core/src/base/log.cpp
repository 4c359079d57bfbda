// SPDX-License-Identifier: MIT
#include "mpytool/base/log.hpp"

#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <memory>
#include <string>

#include "mpytool/base/output.hpp"

namespace mpytool {

namespace {

/// Passes every message on with printable() applied: messages carry board names and board
/// text (tracebacks, what a board printed), which must not reach the terminal as control
/// sequences. Line breaks stay (a traceback at -d has several lines).
class PrintableSink : public spdlog::sinks::sink {
 public:
  explicit PrintableSink(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}
  void log(const spdlog::details::log_msg& msg) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    const std::string safe = printable(payload, LineBreaks::kKeep);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(safe.data(), safe.size());
    inner_->log(copy);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override {
    inner_->set_formatter(std::move(f));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
};

struct LoggerState {
  std::shared_ptr<spdlog::sinks::stderr_color_sink_mt> sink;
  std::shared_ptr<spdlog::logger> logger;
};

LoggerState& state() {
  // Created on first use and never registered with spdlog's global registry: plugins reach it
  // through logger(), so a header-only spdlog elsewhere cannot create a second instance.
  static LoggerState s = [] {
    LoggerState st;
    st.sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(spdlog::color_mode::never);
    // The Python mpytool's colours: error bold red, warning bold yellow, info bold magenta, debug
    // bold blue.
    st.sink->set_color(spdlog::level::err, "\033[1;31m");
    st.sink->set_color(spdlog::level::critical, "\033[1;31m");
    st.sink->set_color(spdlog::level::warn, "\033[1;33m");
    st.sink->set_color(spdlog::level::info, "\033[1;35m");
    st.sink->set_color(spdlog::level::debug, "\033[1;34m");
    st.sink->set_color(spdlog::level::trace, "\033[1;34m");
    st.logger =
        std::make_shared<spdlog::logger>("mpytool", std::make_shared<PrintableSink>(st.sink));
    st.logger->set_pattern("mpytool: %l: %v");
    st.logger->set_level(spdlog::level::warn);
    return st;
  }();
  return s;
}

}  // namespace

spdlog::logger& logger() { return *state().logger; }

void setup_logging(int debug_count, bool quiet, bool color) {
  LoggerState& st = state();
  spdlog::level::level_enum level = spdlog::level::warn;
  if (quiet) {
    level = spdlog::level::err;
  } else if (debug_count >= 2) {
    level = spdlog::level::debug;
  } else if (debug_count == 1) {
    level = spdlog::level::info;
  }
  st.logger->set_level(level);
  st.sink->set_color_mode(color ? spdlog::color_mode::always : spdlog::color_mode::never);
  // %^..%$ marks the coloured range; only the level name is painted.
  st.logger->set_pattern(color ? "mpytool: %^%l%$: %v" : "mpytool: %l: %v");
}

}  // namespace mpytool
