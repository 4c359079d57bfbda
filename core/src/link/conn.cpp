// SPDX-License-Identifier: MIT
// Conn: the input buffer, inactivity-timeout reads and the escape-byte hook (docs/compatibility.md,
// "The link").

#include "mpytool/link/conn.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <thread>
#include <utility>
#include <vector>

#include "link/conn_repr.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"

namespace mpytool {

namespace detail {

std::string bytes_repr(std::string_view data, std::size_t limit) {
  const bool cut = data.size() > limit;
  if (cut) data = data.substr(0, limit);
  // Python picks double quotes only when that avoids escaping a single quote.
  const char quote =
      (data.find('\'') != std::string_view::npos && data.find('"') == std::string_view::npos)
          ? '"'
          : '\'';
  std::string out = "b";
  out += quote;
  for (const char ch : data) {
    const auto byte = static_cast<unsigned char>(ch);
    switch (ch) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (ch == quote) {
          out += '\\';
          out += ch;
        } else if (byte >= 0x20 && byte < 0x7f) {
          out += ch;
        } else {
          out += fmt::format("\\x{:02x}", byte);
        }
    }
  }
  out += quote;
  if (cut) out += "...";
  return out;
}

}  // namespace detail

namespace {

using Clock = std::chrono::steady_clock;

/// How many bytes of the buffer a Timeout message shows.
constexpr std::size_t kTimeoutReprLimit = 64;
/// Wait slice while a read has no deadline (timeout = std::nullopt).
constexpr double kForeverSlice = 1.0;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Conns whose escape handler is inside feed() on this thread. A handler may read the parameters
// of its request through the same Conn (read_bytes); those bytes must reach it unscanned, since
// they can hold escape bytes themselves (a 24-byte path has the length 18 00 00 00: 0x18 is the
// escape byte).
thread_local std::vector<const Conn*> t_feeding;

bool is_feeding(const Conn* conn) {
  return std::find(t_feeding.begin(), t_feeding.end(), conn) != t_feeding.end();
}

class FeedScope {
 public:
  explicit FeedScope(const Conn* conn) { t_feeding.push_back(conn); }
  ~FeedScope() { t_feeding.pop_back(); }
  FeedScope(const FeedScope&) = delete;
  FeedScope& operator=(const FeedScope&) = delete;
};

void log_traffic(const char* direction, std::string_view data) {
  auto& log = logger();
  if (log.should_log(spdlog::level::debug)) {
    log.debug("{}: {}", direction, detail::bytes_repr(data));
  }
}

[[noreturn]] void throw_timeout(const Bytes& buffer) {
  if (buffer.empty()) throw Timeout("No data received");
  throw Timeout("During timeout received: " + detail::bytes_repr(buffer, kTimeoutReprLimit));
}

}  // namespace

Conn::Conn() = default;
Conn::~Conn() = default;

Bytes Conn::read(double timeout) {
  if (!wait_readable(timeout)) return {};
  Bytes data = read_available();
  if (data.empty()) return {};
  log_traffic("RX", data);
  return process(std::move(data));
}

Bytes Conn::read_until(std::string_view marker, Seconds timeout) {
  auto last_data = Clock::now();
  std::size_t search_from = 0;
  for (;;) {
    const auto pos = buffer_.find(marker, std::min(search_from, buffer_.size()));
    if (pos != Bytes::npos) {
      Bytes result = buffer_.substr(0, pos);
      buffer_.erase(0, pos + marker.size());
      return result;
    }
    // The marker may straddle the next chunk; resume the search just before its possible start.
    search_from = buffer_.size() >= marker.size() ? buffer_.size() - marker.size() + 1 : 0;
    // Past the bound only the board's end of the answer could still come: a flood is not one.
    if (buffer_.size() > kMaxAnswer) answer_too_large();
    const double wait =
        timeout ? std::max(0.0, *timeout - seconds_since(last_data)) : kForeverSlice;
    if (fill_buffer(wait)) {
      last_data = Clock::now();
    } else if (timeout && seconds_since(last_data) >= *timeout) {
      throw_timeout(buffer_);
    }
  }
}

Bytes Conn::read_bytes(std::size_t n, Seconds timeout) {
  auto last_data = Clock::now();
  while (buffer_.size() < n) {
    const double wait =
        timeout ? std::max(0.0, *timeout - seconds_since(last_data)) : kForeverSlice;
    if (fill_buffer(wait)) {
      last_data = Clock::now();
    } else if (timeout && seconds_since(last_data) >= *timeout) {
      throw_timeout(buffer_);
    }
  }
  Bytes result = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return result;
}

Bytes Conn::flush() { return std::exchange(buffer_, {}); }

void Conn::answer_too_large() {
  Bytes().swap(buffer_);  // the memory too, not only the contents
  logger().debug("the board's answer passed {} bytes: interrupting it", kMaxAnswer);
  try {
    if (!busy()) write("\x03");
  } catch (const MpyError& e) {
    logger().debug("cannot interrupt the board: {}", e.what());
  }
  if (on_overflow_) on_overflow_();
  throw AnswerTooLarge(kMaxAnswer);
}

bool Conn::has_data(double timeout) { return !buffer_.empty() || wait_readable(timeout); }

void Conn::write(std::string_view data) {
  if (active_handler_ != nullptr && !is_feeding(this)) {
    throw MpyError("cannot write to the board while it is served a request (connection busy)");
  }
  log_traffic("TX", data);
  while (!data.empty()) {
    const std::size_t written = write_some(data);
    if (written == 0) {
      wait_writable(kForeverSlice);
      continue;
    }
    data.remove_prefix(std::min(written, data.size()));
  }
}

void Conn::wait_writable(double timeout) {
  const int descriptor = fd();
  if (descriptor < 0) {  // nothing to poll: retry soon
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return;
  }
  pollfd pfd{descriptor, POLLOUT, 0};
  const int ms = static_cast<int>(std::ceil(std::max(0.0, timeout) * 1000));
  if (::poll(&pfd, 1, ms) < 0 && errno != EINTR) {
    throw ConnError(fmt::format("Connection lost: poll failed (errno {})", errno));
  }
}

void Conn::hard_reset() { throw ConnError("Hardware reset not supported on " + type_name()); }

void Conn::run_reset_sequence(const ResetSequence&) {
  throw ConnError("Hardware reset not supported on " + type_name());
}

void Conn::reset_to_bootloader() {
  throw ConnError("Bootloader reset not supported on " + type_name());
}

void Conn::set_baud(int /*baud*/) {
  throw ConnError("cannot change the baud rate of a " + type_name() + " link");
}

void Conn::reconnect(double /*timeout*/) {
  throw ConnError("Reconnect not supported on " + type_name());
}

void Conn::set_escape_handler(char escape, EscapeHandler* handler) {
  const auto it = handlers_.find(escape);
  if (it != handlers_.end() && it->second == active_handler_ && handler != active_handler_) {
    active_handler_ = nullptr;
  }
  if (handler) {
    handlers_[escape] = handler;
  } else if (it != handlers_.end()) {
    handlers_.erase(it);
  }
}

void Conn::add_output_observer(OutputObserver* observer) {
  if (std::find(observers_.begin(), observers_.end(), observer) == observers_.end()) {
    observers_.push_back(observer);
  }
}

void Conn::remove_output_observer(OutputObserver* observer) {
  observers_.erase(std::remove(observers_.begin(), observers_.end(), observer), observers_.end());
}

bool Conn::fill_buffer(double timeout) {
  if (!wait_readable(timeout)) return false;
  Bytes data = read_available();
  if (data.empty()) return false;
  log_traffic("RX", data);
  buffer_ += process(std::move(data));
  // Bytes swallowed by an escape handler count as activity too: the board is talking.
  return true;
}

// Splits \p data into output (returned) and what the escape handlers take. The earliest
// registered escape byte activates its handler, which then gets every byte until it is done.
Bytes Conn::process(Bytes data) {
  if (is_feeding(this)) return data;  // a handler reading its own request parameters
  Bytes out;
  while (!data.empty()) {
    if (!active_handler_) {
      std::string escapes;
      for (const auto& [byte, handler] : handlers_) escapes += byte;
      const auto pos = escapes.empty() ? Bytes::npos : data.find_first_of(escapes);
      if (pos == Bytes::npos) {
        out += data;
        break;
      }
      out.append(data, 0, pos);
      data.erase(0, pos);
      active_handler_ = handlers_.at(data.front());
    }
    EscapeHandler* const handler = active_handler_;
    // Anything the handler reads through this Conn while it runs lands in buffer_; keep it apart
    // from the output collected so far so it rejoins the stream in order afterwards.
    Bytes saved = std::exchange(buffer_, {});
    std::optional<Bytes> leftover;
    try {
      FeedScope scope(this);
      leftover = handler->feed(data);
    } catch (...) {
      buffer_.insert(0, saved);
      active_handler_ = nullptr;
      throw;
    }
    Bytes overread = std::exchange(buffer_, std::move(saved));
    if (!leftover) {  // still active: it also gets whatever it over-read
      data = std::move(overread);
      continue;
    }
    active_handler_ = nullptr;
    // A handler that hands back at least all it was just fed, starting with its own escape byte,
    // declined that byte (e.g. 0x18 followed by no valid command): it is ordinary output. Passing
    // it through keeps the rescan from activating the same handler on the same byte forever.
    const auto owner = leftover->empty() ? handlers_.end() : handlers_.find(leftover->front());
    if (owner != handlers_.end() && owner->second == handler && leftover->size() >= data.size()) {
      out += leftover->front();
      leftover->erase(0, 1);
    }
    data = std::move(*leftover) + overread;
  }
  if (!out.empty()) {
    // A copy: an observer may unregister itself (or others) while it looks.
    const std::vector<OutputObserver*> observers = observers_;
    for (OutputObserver* o : observers) o->observe(out);
  }
  return out;
}

}  // namespace mpytool
