// SPDX-License-Identifier: MIT
// FrameTap: the stream under Boost.Beast's WebSocket client on a WebREPL link. Beast does the
// framing; the tap only watches the frame headers coming in. It turns each incoming text frame
// (opcode 1) into a binary one (2), because Beast checks that text is UTF-8 and the board's
// REPL output need not be, and remembers which of the two the current message was. It hands
// Beast at most the rest of the current frame per read, so Beast never holds bytes of a frame
// it has not been asked for: once a message is read, every unread byte is in the tap (or the
// socket), where wait_readable() can see it. During the handshake it hands over no byte past the
// HTTP header (the board's first frame may follow in the same segment).
#pragma once

#include <openssl/ssl.h>
#include <poll.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/system/error_code.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

namespace mpytool::links::detail {

/// The byte stream under the tap: a TCP socket (non-blocking), or a TLS stream over it.
struct RawTransport {
  boost::asio::ip::tcp::socket* socket = nullptr;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>* ssl = nullptr;  ///< null: plain TCP
  /// Longest wait for the next bytes once a read has started (a frame or header half there).
  double read_timeout = 5.0;

  /// Waits up to \p timeout seconds until the socket can be read.
  bool readable(double timeout) const {
    pollfd pfd{socket->native_handle(), POLLIN, 0};
    const int ms = static_cast<int>(std::ceil(std::max(0.0, timeout) * 1000));
    return ::poll(&pfd, 1, ms) > 0;
  }

  /// Reads what is there without waiting: 0 bytes and no error when nothing is.
  std::size_t try_read(char* data, std::size_t size, boost::system::error_code& ec) {
    const auto buffer = boost::asio::buffer(data, size);
    const std::size_t n =
        ssl != nullptr ? ssl->read_some(buffer, ec) : socket->read_some(buffer, ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) ec = {};
    return n;
  }

  /// Reads at least one byte, waiting up to read_timeout (then timed_out).
  std::size_t read(char* data, std::size_t size, boost::system::error_code& ec) {
    for (;;) {
      const std::size_t n = try_read(data, size, ec);
      if (n > 0 || ec) return n;
      // Over TLS a record may wait half in the socket: poll, then let OpenSSL try again.
      if (!readable(read_timeout)) {
        ec = boost::asio::error::timed_out;
        return 0;
      }
    }
  }

  /// Writes all of \p buffers, blocking: asio's TLS stream loses ciphertext when the socket
  /// would block mid-record, so writes run with the socket switched to blocking.
  template <class ConstBuffers>
  std::size_t write(const ConstBuffers& buffers, boost::system::error_code& ec) {
    boost::system::error_code ignored;
    socket->non_blocking(false, ignored);
    const std::size_t n = ssl != nullptr ? boost::asio::write(*ssl, buffers, ec)
                                         : boost::asio::write(*socket, buffers, ec);
    socket->non_blocking(true, ignored);
    return n;
  }
};

/// A Beast SyncStream over a RawTransport (see the file comment).
class FrameTap {
 public:
  using executor_type = boost::asio::io_context::executor_type;
  /// Frames from the board must be shorter (modwebsocket cannot send more).
  static constexpr std::uint64_t kMaxFrame = 65535;

  FrameTap(RawTransport& transport, executor_type executor)
      : transport_(&transport), executor_(executor) {}

  executor_type get_executor() noexcept { return executor_; }

  /// True when bytes for Beast are there or come within \p timeout seconds. Over TLS decrypted
  /// bytes may wait in OpenSSL or asio where poll() cannot see them: they are read first.
  bool has_input(double timeout) {
    if (!raw_.empty() || error_) return true;
    char chunk[16384];
    const std::size_t n = transport_->try_read(chunk, sizeof chunk, error_);
    raw_.append(chunk, n);
    if (!raw_.empty() || error_) return true;
    return transport_->readable(timeout);
  }
  /// The current (last started) message came as a text frame.
  bool text() const noexcept { return text_; }
  /// The payload length of a frame of 64 KiB or more the board sent (0: none).
  std::uint64_t oversize() const noexcept { return oversize_; }
  /// From now on reads end at once with EOF: a close is not waited for.
  void stop_reading() noexcept { closing_ = true; }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    ec = {};
    const std::size_t capacity = boost::asio::buffer_size(buffers);
    if (capacity == 0) return 0;
    const bool in_frames = mode_ == Mode::kFrames;  // before deliverable() ends the handshake
    const std::size_t n = std::min(capacity, deliverable(ec));
    if (ec) return 0;
    boost::asio::buffer_copy(buffers, boost::asio::buffer(raw_.data(), n));
    raw_.erase(0, n);
    if (in_frames) frame_left_ -= n;
    return n;
  }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    ec = {};
    return transport_->write(buffers, ec);
  }

  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    boost::system::error_code ec;
    const std::size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  enum class Mode { kHttp, kFrames, kRaw };

  bool fill(boost::system::error_code& ec) {
    char chunk[16384];
    const std::size_t n = transport_->read(chunk, sizeof chunk, ec);
    raw_.append(chunk, n);
    return !ec;
  }

  /// How many of the buffered bytes may go to Beast now (reading more when none may).
  std::size_t deliverable(boost::system::error_code& ec) {
    if (closing_) {
      ec = boost::asio::error::eof;
      return 0;
    }
    if (raw_.empty() && error_) {  // what has_input() met, reported in order
      ec = std::exchange(error_, {});
      return 0;
    }
    if (raw_.empty() && !fill(ec)) return 0;
    switch (mode_) {
      case Mode::kRaw:
        return raw_.size();
      case Mode::kHttp: {
        const std::size_t from = http_.size() >= 3 ? http_.size() - 3 : 0;
        const std::string joined = http_ + raw_;
        const auto end = joined.find("\r\n\r\n", from);
        if (end == std::string::npos) {
          http_ += raw_;
          return raw_.size();
        }
        const std::size_t n = end + 4 - http_.size();
        http_.append(raw_, 0, n);
        // Frames follow a 101 only; anything else (the board's web page) is plain HTTP.
        mode_ = http_.find(" 101 ") != std::string::npos && http_.find(" 101 ") < http_.find('\n')
                    ? Mode::kFrames
                    : Mode::kRaw;
        return n;
      }
      case Mode::kFrames:
        while (frame_left_ == 0 && !start_frame()) {
          if (oversize_ != 0) {
            ec = boost::asio::error::message_size;
            return 0;
          }
          if (!fill(ec)) return 0;
        }
        return std::min<std::size_t>(raw_.size(), frame_left_);
    }
    return 0;
  }

  /// Parses the frame header at the front of raw_ once all of it is there; rewrites text to
  /// binary and sets frame_left_ to the frame's size. False while the header is incomplete or
  /// when the frame is too long (oversize_).
  bool start_frame() {
    if (raw_.size() < 2) return false;
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(raw_[i]); };
    const unsigned len7 = byte(1) & 0x7f;
    const bool masked = (byte(1) & 0x80) != 0;
    const std::size_t ext = len7 == 126 ? 2 : (len7 == 127 ? 8 : 0);
    const std::size_t header = 2 + ext + (masked ? 4 : 0);
    if (raw_.size() < header) return false;
    std::uint64_t length = len7;
    if (ext != 0) {
      length = 0;
      for (std::size_t i = 0; i < ext; ++i) length = (length << 8) | byte(2 + i);
    }
    if (length > kMaxFrame || len7 == 127) {
      oversize_ = std::max<std::uint64_t>(length, kMaxFrame + 1);
      return false;
    }
    const unsigned opcode = byte(0) & 0x0f;
    if (opcode == 1) {
      raw_[0] = static_cast<char>((byte(0) & 0xf0) | 2);
      text_ = true;
    } else if (opcode == 2) {
      text_ = false;
    }
    frame_left_ = header + length;
    return true;
  }

  RawTransport* transport_;
  executor_type executor_;
  Mode mode_ = Mode::kHttp;
  std::string raw_;   // read from the transport, not yet given to Beast
  std::string http_;  // the handshake answer's header so far
  std::uint64_t frame_left_ = 0;
  std::uint64_t oversize_ = 0;
  bool text_ = false;
  bool closing_ = false;
  boost::system::error_code error_;  // a read error has_input() met
};

/// Beast's teardown after a close: the link drops the socket itself.
inline void teardown(boost::beast::role_type, FrameTap& tap, boost::system::error_code& ec) {
  tap.stop_reading();
  ec = {};
}

template <class Handler>
void async_teardown(boost::beast::role_type, FrameTap& tap, Handler&& handler) {
  tap.stop_reading();
  boost::asio::post(tap.get_executor(), [h = std::forward<Handler>(handler)]() mutable {
    h(boost::system::error_code{});
  });
}

}  // namespace mpytool::links::detail
