// SPDX-License-Identifier: MIT
// ConnWebrepl against an in-process stand-in for the board's WebREPL (a thread with a raw
// listening socket on 127.0.0.1 that speaks the board's side as modwebrepl does: the handshake
// headers matched case-sensitively, the HTML page without them, "Password: ", unmasked text
// frames that may carry non-UTF-8 bytes, binary frames, 88 00 to a close, one client): login,
// the errors, frame sizes of the writes, the binary channel, a soft reset's reconnect.
#include "mpytool/links/conn_webrepl.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/beast/websocket/detail/hybi13.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loopback.hpp"
#include "mpytool/base/error.hpp"

namespace links = mpytool::links;
using links::ConnWebrepl;

namespace {

/// A frame the client sent: opcode and unmasked payload.
struct Frame {
  int opcode;
  std::string payload;
};

std::string server_frame(int opcode, const std::string& payload) {
  std::string out{static_cast<char>(0x80 | opcode)};
  if (payload.size() < 126) {
    out += static_cast<char>(payload.size());
  } else {
    out += static_cast<char>(126);
    out += static_cast<char>(payload.size() >> 8);
    out += static_cast<char>(payload.size() & 0xff);
  }
  return out + payload;
}

/// How the stand-in behaves towards each new client.
struct BoardConfig {
  std::string password = "secret";
  bool busy = false;              ///< 101, then close (another client is connected)
  bool reboot_on_ctrl_d = false;  ///< a text 0x04 prints the soft reboot and closes the session
};

/// The board's side of WebREPL, one client at a time, in a thread.
class Board {
 public:
  explicit Board(BoardConfig config = {}) : config_(std::move(config)) {
    listen_ = mpytool::testing::listen_loopback(port_);
    thread_ = std::thread([this] { run(); });
  }
  ~Board() {
    stop_ = true;
    thread_.join();
    ::close(listen_);
  }

  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/any/path"; }

  /// Raw bytes for the current client (sent by the board thread).
  void send(std::string bytes) {
    std::lock_guard lock(mutex_);
    outbox_.push_back(std::move(bytes));
  }
  /// Closes the current client's connection (as a hard reset or a dropped link).
  void drop() { drop_ = true; }

  /// Waits up to 3 s until \p pred holds on the frames the clients sent.
  bool wait_frames(const std::function<bool(const std::vector<Frame>&)>& pred) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(3), [&] { return pred(frames_); });
  }
  std::vector<Frame> frames() {
    std::lock_guard lock(mutex_);
    return frames_;
  }
  std::string request() {
    std::lock_guard lock(mutex_);
    return request_;
  }
  int sessions() const { return sessions_; }
  bool client_gone() const { return client_gone_; }

 private:
  void run() {
    while (!stop_) {
      pollfd p{listen_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept(listen_, nullptr, nullptr);
      if (fd < 0) continue;
      serve(fd);
      ::close(fd);
    }
  }

  void put(int fd, const std::string& bytes) {
    (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }

  // The request, as webrepl.py's server_handshake reads it.
  bool handshake(int fd, std::string& in) {
    while (in.find("\r\n\r\n") == std::string::npos) {
      if (!receive(fd, in)) return false;
    }
    const std::string head = in.substr(0, in.find("\r\n\r\n") + 2);
    in.erase(0, head.size() + 2);
    {
      std::lock_guard lock(mutex_);
      request_ = head;
    }
    std::string key;
    bool connection = false, upgrade = false;
    for (std::size_t at = head.find("\r\n") + 2; at < head.size();) {
      const auto end = head.find("\r\n", at);
      const std::string line = head.substr(at, end - at);
      at = end + 2;
      const auto colon = line.find(": ");
      const std::string name = line.substr(0, colon), value = line.substr(colon + 2);
      if (name == "Sec-WebSocket-Key") key = value;
      if (name == "Connection" && value.find("Upgrade") != std::string::npos) connection = true;
      if (name == "Upgrade" && value == "websocket") upgrade = true;
    }
    if (key.empty() || !connection || !upgrade) {
      put(fd,
          "HTTP/1.0 200 OK\r\n\r\n<base href=\"x\"></base><script src=\"webrepl_content.js\">"
          "</script>\r\n");
      return false;
    }
    boost::beast::websocket::detail::sec_ws_accept_type accept;
    boost::beast::websocket::detail::make_sec_ws_accept(accept, key);
    put(fd,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
            std::string(accept.data(), accept.size()) + "\r\n\r\n");
    return true;
  }

  bool receive(int fd, std::string& in) {
    for (;;) {
      if (stop_ || drop_) return false;
      {
        std::lock_guard lock(mutex_);
        for (auto& o : outbox_) put(fd, o);
        outbox_.clear();
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        client_gone_ = true;
        return false;
      }
      in.append(buf, static_cast<std::size_t>(n));
      return true;
    }
  }

  // One client frame from \p in (masked or not), reading more as needed.
  bool next_frame(int fd, std::string& in, Frame& f) {
    for (;;) {
      if (in.size() >= 2) {
        const auto b = [&](std::size_t i) { return static_cast<unsigned char>(in[i]); };
        std::size_t len = b(1) & 0x7f, hdr = 2;
        if (len == 126 && in.size() >= 4) {
          len = (b(2) << 8) | b(3);
          hdr = 4;
        }
        const bool masked = b(1) & 0x80;
        if ((b(1) & 0x7f) != 127 && in.size() >= hdr + (masked ? 4 : 0) + len &&
            !((b(1) & 0x7f) == 126 && in.size() < 4)) {
          const std::string mask = masked ? in.substr(hdr, 4) : std::string(4, '\0');
          hdr += masked ? 4 : 0;
          f.opcode = b(0) & 0x0f;
          f.payload = in.substr(hdr, len);
          for (std::size_t i = 0; i < len; ++i) f.payload[i] ^= mask[i % 4];
          in.erase(0, hdr + len);
          return true;
        }
      }
      if (!receive(fd, in)) return false;
    }
  }

  void serve(int fd) {
    drop_ = false;
    client_gone_ = false;
    std::string in;
    if (!handshake(fd, in)) return;
    ++sessions_;
    if (config_.busy) return;  // the 101 went out already
    put(fd, server_frame(1, "Password: "));
    Frame f;
    std::string password;
    while (password.find('\r') == std::string::npos) {
      if (!next_frame(fd, in, f)) return;
      record(f);
      password += f.payload;
    }
    if (password != config_.password + "\r") {
      put(fd, server_frame(1, "\r\nAccess denied\r\n"));
      return;
    }
    put(fd, server_frame(1, "\r\nWebREPL connected\r\n>>> "));
    while (next_frame(fd, in, f)) {
      record(f);
      if (f.opcode == 8) put(fd, "\x88\x00");  // and keeps the session until TCP closes
      if (f.opcode == 1 && f.payload == "\x01") {
        put(fd, server_frame(1, "\r\nraw REPL; CTRL-B to exit\r\n>"));
      }
      if (config_.reboot_on_ctrl_d && f.opcode == 1 && f.payload == "\x04") {
        put(fd, server_frame(1, "OK\r\nMPY: soft reboot\r\n"));
        return;
      }
    }
  }

  void record(const Frame& f) {
    std::lock_guard lock(mutex_);
    frames_.push_back(f);
    cv_.notify_all();
  }

  BoardConfig config_;
  int listen_ = -1;
  unsigned short port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false}, drop_{false}, client_gone_{false};
  std::atomic<int> sessions_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> outbox_;
  std::vector<Frame> frames_;
  std::string request_;
};

links::WebreplOptions with_password(std::string password) {
  links::WebreplOptions o;
  o.password = std::move(password);
  o.timeout = 3;
  return o;
}

template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conn_webrepl_test)

BOOST_AUTO_TEST_CASE(urls) {
  BOOST_TEST(links::is_webrepl_url("ws://192.168.4.1"));
  BOOST_TEST(links::is_webrepl_url("WSS://board.local:8266/"));
  BOOST_TEST(!links::is_webrepl_url("192.168.4.1:23"));
  BOOST_TEST(!links::is_webrepl_url("rfc2217://h:1"));
  BOOST_CHECK_THROW(ConnWebrepl("ws://", with_password("x")), mpytool::UsageError);
  BOOST_CHECK_THROW(ConnWebrepl("ws://h:99999", with_password("x")), mpytool::UsageError);
}

BOOST_AUTO_TEST_CASE(login_gives_a_clean_repl_and_raw_bytes) {
  Board board;
  ConnWebrepl conn(board.url(), with_password("secret"));
  BOOST_TEST(conn.type_name() == "WebREPL");
  BOOST_TEST(conn.description() + "/any/path" == board.url());
  // The request carried the headers the board matches case-sensitively.
  const std::string request = board.request();
  BOOST_TEST(request.find("\r\nConnection: Upgrade\r\n") != std::string::npos);
  BOOST_TEST(request.find("\r\nUpgrade: websocket\r\n") != std::string::npos);
  BOOST_TEST(request.rfind("GET /any/path HTTP/1.1\r\n", 0) == 0);
  // The password went as one text frame with "\r".
  const auto frames = board.frames();
  BOOST_REQUIRE(!frames.empty());
  BOOST_TEST(frames[0].opcode == 1);
  BOOST_TEST(frames[0].payload == "secret\r");
  // Nothing of the login reaches the core.
  BOOST_TEST(conn.read(0.2).empty());
  // Text frames with bytes that are not UTF-8 arrive as they are.
  const std::string odd = std::string("\xff\xfe\x80 ok \xc3", 8);
  board.send(server_frame(1, odd));
  BOOST_TEST(conn.read_until("\xc3", 2.0) == std::string("\xff\xfe\x80 ok ", 7));
}

BOOST_AUTO_TEST_CASE(writes_go_as_text_frames_of_at_most_256_bytes) {
  Board board;
  ConnWebrepl conn(board.url(), with_password("secret"));
  conn.write(std::string(1000, 'a'));
  BOOST_TEST(board.wait_frames([](const auto& f) { return f.size() >= 5; }));
  const auto frames = board.frames();
  BOOST_REQUIRE(frames.size() == 5u);
  for (std::size_t i = 1; i < 5; ++i) BOOST_TEST(frames[i].opcode == 1);
  BOOST_TEST(frames[1].payload.size() == 256u);
  BOOST_TEST(frames[4].payload.size() == 1000u - 3 * 256u);
}

BOOST_AUTO_TEST_CASE(errors) {
  {
    Board board;
    const std::string e =
        error_of<mpytool::ConnError>([&] { ConnWebrepl(board.url(), with_password("wrong")); });
    BOOST_TEST(e.find("access denied (wrong password)") != std::string::npos, e);
  }
  {
    BoardConfig config;
    config.busy = true;
    Board board(config);
    const std::string e =
        error_of<mpytool::ConnError>([&] { ConnWebrepl(board.url(), with_password("secret")); });
    BOOST_TEST(e.find("another client is connected (WebREPL takes one)") != std::string::npos, e);
  }
  {
    // A frame of 64 KiB or more ends the session with its own error.
    Board board;
    ConnWebrepl conn(board.url(), with_password("secret"));
    board.send(std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x11\x70", 10) + "x");
    const std::string e = error_of<mpytool::ConnError>([&] { conn.read_until("never", 2.0); });
    BOOST_TEST(e.find("under 64 KiB") != std::string::npos, e);
  }
  {
    // A dropped connection without a soft reboot is lost, as a TCP link's.
    Board board;
    ConnWebrepl conn(board.url(), with_password("secret"));
    board.drop();
    BOOST_CHECK_THROW(conn.read_until("never", 2.0), mpytool::ConnLost);
  }
}

BOOST_AUTO_TEST_CASE(a_web_page_is_not_webrepl) {
  // A server that answers the upgrade with its page (webrepl not started: an HTTP server).
  unsigned short port = 0;
  const int listen_fd = mpytool::testing::listen_loopback(port, 1);
  std::thread server([&] {
    const int fd = ::accept(listen_fd, nullptr, nullptr);
    char buf[2048];
    (void)!::recv(fd, buf, sizeof buf, 0);
    const std::string page = "HTTP/1.0 200 OK\r\n\r\n<html><script src=\"x.js\"></script>\r\n";
    (void)!::send(fd, page.data(), page.size(), MSG_NOSIGNAL);
    ::close(fd);
  });
  const std::string url = "ws://127.0.0.1:" + std::to_string(port);
  const std::string e =
      error_of<mpytool::ConnError>([&] { ConnWebrepl(url, with_password("secret")); });
  server.join();
  ::close(listen_fd);
  BOOST_TEST(e.find("is not a WebREPL endpoint (it served a web page") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(binary_frames_are_kept_apart) {
  Board board;
  ConnWebrepl conn(board.url(), with_password("secret"));
  board.send(server_frame(2, std::string("WB\0\0", 4)) + server_frame(1, "text"));
  BOOST_TEST(conn.read_binary(2.0) == std::string("WB\0\0", 4));
  BOOST_TEST(conn.read_until("text", 2.0).empty());
  BOOST_CHECK_THROW(conn.read_binary(0.1), mpytool::Timeout);
  conn.send_binary(std::string("WA\x01\x00", 4));
  BOOST_TEST(board.wait_frames([](const auto& f) { return f.back().opcode == 2; }));
  BOOST_TEST(board.frames().back().payload == std::string("WA\x01\x00", 4));
}

BOOST_AUTO_TEST_CASE(close_does_not_wait_for_the_board) {
  Board board;
  {
    ConnWebrepl conn(board.url(), with_password("secret"));
    conn.close();
  }
  BOOST_TEST(board.wait_frames([](const auto& f) { return f.back().opcode == 8; }));
  for (int i = 0; i < 100 && !board.client_gone(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  BOOST_TEST(board.client_gone());
}

BOOST_AUTO_TEST_CASE(a_soft_reset_logs_in_again_and_restores_the_raw_repl) {
  BoardConfig config;
  config.reboot_on_ctrl_d = true;
  Board board(config);
  ConnWebrepl conn(board.url(), with_password("secret"));
  conn.write("\x01");
  conn.read_until("raw REPL; CTRL-B to exit\r\n>", 2.0);
  conn.write("\x04");
  // As on a serial link: the soft reboot, then the raw REPL's banner, nothing of the login.
  const std::string seen = conn.read_until("raw REPL; CTRL-B to exit\r\n>", 5.0);
  BOOST_TEST(seen.find("soft reboot") != std::string::npos, seen);
  BOOST_TEST(seen.find("WebREPL") == std::string::npos, seen);
  BOOST_TEST(conn.relogins() == 1);
  BOOST_TEST(board.sessions() == 2);
  // The session goes on.
  board.send(server_frame(1, "after"));
  conn.read_until("after", 2.0);
}

BOOST_AUTO_TEST_SUITE_END()
