// SPDX-License-Identifier: MIT
// Conn (buffer, inactivity timeouts, escape hook) against a scripted fake link; ConnSocket
// against loopback echo servers (plain and TLS); ConnSerial on a pseudo-terminal.

#include "mpytool/link/conn.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <spdlog/sinks/ostream_sink.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "conn_repr.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/link/conn_serial.hpp"
#include "mpytool/link/conn_socket.hpp"

namespace {

using namespace std::chrono_literals;
using mpytool::Bytes;
using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// A Conn whose input is a script of chunks, each arriving \p delay after the previous one was
/// read (or after construction). Writes are recorded, a few bytes at a time.
class FakeConn : public mpytool::Conn {
 public:
  struct Chunk {
    std::chrono::milliseconds delay;
    Bytes data;
  };
  explicit FakeConn(std::vector<Chunk> script = {})
      : script_(script.begin(), script.end()), since_(Clock::now()) {}

  void push(Bytes data, std::chrono::milliseconds delay = 0ms) {
    script_.push_back({delay, std::move(data)});
  }
  const Bytes& written() const { return written_; }

  int fd() const override { return -1; }
  void close() override {}
  std::string description() const override { return "fake"; }
  std::string type_name() const override { return "fake"; }

 protected:
  bool wait_readable(double timeout) override {
    const auto limit = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(timeout));
    if (!script_.empty() && since_ + script_.front().delay <= limit) {
      std::this_thread::sleep_until(since_ + script_.front().delay);
      return true;
    }
    std::this_thread::sleep_until(limit);
    return false;
  }
  Bytes read_available() override {
    if (script_.empty() || since_ + script_.front().delay > Clock::now()) return {};
    Bytes data = std::move(script_.front().data);
    script_.pop_front();
    since_ = Clock::now();
    return data;
  }
  std::size_t write_some(std::string_view data) override {
    // Alternate "would block" and short writes so write() has to loop.
    if (stall_ = !stall_; stall_) return 0;
    const auto n = std::min<std::size_t>(3, data.size());
    written_.append(data.substr(0, n));
    return n;
  }
  void wait_writable(double) override {}

 private:
  std::deque<Chunk> script_;
  Clock::time_point since_;
  Bytes written_;
  bool stall_ = false;
};

/// Takes a 3-byte frame (escape, a, b) and gives back what follows it.
class FrameHandler : public mpytool::EscapeHandler {
 public:
  std::optional<Bytes> feed(std::string_view data) override {
    ++calls;
    const auto need = 3 - frame.size();
    frame.append(data.substr(0, need));
    if (frame.size() < 3) return std::nullopt;
    frames.push_back(std::exchange(frame, {}));
    return Bytes(data.substr(std::min(need, data.size())));
  }
  Bytes frame;
  std::vector<Bytes> frames;
  int calls = 0;
};

/// Declines everything: gives back all it was fed.
class DecliningHandler : public mpytool::EscapeHandler {
 public:
  std::optional<Bytes> feed(std::string_view data) override { return Bytes(data); }
};

/// Reads its 2 parameter bytes through the Conn itself, as the mount protocol does.
class RawParamHandler : public mpytool::EscapeHandler {
 public:
  explicit RawParamHandler(mpytool::Conn& conn) : conn_(conn) {}
  std::optional<Bytes> feed(std::string_view data) override {
    params = conn_.read_bytes(2, 1.0);
    return Bytes(data.substr(1));
  }
  Bytes params;

 private:
  mpytool::Conn& conn_;
};

template <typename Error>
std::string error_text(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no exception>";
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conn_test)

// --- Conn over a scripted link -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(read_until_joins_chunks_and_keeps_the_rest) {
  FakeConn conn({{0ms, "hello wo"}, {5ms, "rld\r"}, {5ms, "\nrest"}});
  BOOST_TEST(conn.read_until("\r\n") == "hello world");
  BOOST_TEST(conn.flush() == "rest");
  BOOST_TEST(conn.flush() == "");
}

BOOST_AUTO_TEST_CASE(read_until_consumes_marker_and_buffers_leftover) {
  FakeConn conn({{0ms,
                  "OK\x04"
                  "abc\x04>tail"}});
  BOOST_TEST(conn.read_until("\x04") == "OK");
  BOOST_TEST(conn.has_data());
  BOOST_TEST(conn.read_until("\x04") == "abc");
  BOOST_TEST(conn.read_bytes(1) == ">");
  BOOST_TEST(conn.flush() == "tail");
  BOOST_TEST(!conn.has_data());
}

BOOST_AUTO_TEST_CASE(read_until_finds_marker_split_across_chunks) {
  FakeConn conn({{0ms, "raw REPL; CTRL-B to exit\r"}, {2ms, "\n"}, {2ms, ">"}});
  BOOST_TEST(conn.read_until("exit\r\n>") == "raw REPL; CTRL-B to ");
}

BOOST_AUTO_TEST_CASE(timeout_is_inactivity_not_total) {
  // Four chunks 120 ms apart: 480 ms in all, but never 250 ms of silence.
  FakeConn conn({{120ms, "a"}, {120ms, "b"}, {120ms, "c"}, {120ms, "d!"}});
  const auto start = Clock::now();
  BOOST_TEST(conn.read_until("!", 0.25) == "abcd");
  BOOST_TEST(seconds_since(start) > 0.4);
}

BOOST_AUTO_TEST_CASE(timeout_messages) {
  FakeConn silent;
  BOOST_TEST(error_text<mpytool::Timeout>([&] { silent.read_until(">", 0.05); }) ==
             "No data received");

  FakeConn partial({{0ms, "partial\r\n"}});
  BOOST_TEST(error_text<mpytool::Timeout>([&] { partial.read_until(">", 0.05); }) ==
             "During timeout received: b'partial\\r\\n'");

  FakeConn chatty({{0ms, Bytes(100, 'a')}});
  BOOST_TEST(error_text<mpytool::Timeout>([&] { chatty.read_bytes(200, 0.05); }) ==
             "During timeout received: b'" + Bytes(64, 'a') + "'...");
}

BOOST_AUTO_TEST_CASE(timeout_zero_still_reads_what_is_there) {
  FakeConn conn({{0ms, "x>"}});
  BOOST_TEST(conn.read_until(">", 0.0) == "x");
}

BOOST_AUTO_TEST_CASE(timeout_is_a_conn_error) {
  FakeConn conn;
  BOOST_CHECK_THROW(conn.read_bytes(1, 0.01), mpytool::ConnError);
}

// A board that floods without the marker: past kMaxAnswer the wait ends (the board is sent
// Ctrl-C, what was held is dropped); an answer within the bound is read whole.
BOOST_AUTO_TEST_CASE(read_until_is_bounded) {
  const Bytes mib(1024 * 1024, 'x');
  FakeConn flood;
  for (std::size_t i = 0; i <= mpytool::kMaxAnswer / mib.size() + 1; ++i) flood.push(mib);
  flood.push("\x04never reached");
  BOOST_TEST(error_text<mpytool::AnswerTooLarge>([&] { flood.read_until("\x04", 1.0); }) ==
             "the board's answer exceeded 16 MiB");
  BOOST_TEST(flood.written() == "\x03");
  BOOST_TEST(flood.flush() == "");
  BOOST_CHECK_THROW(flood.answer_too_large(), mpytool::ConnError);  // exit code 3, the link's

  FakeConn big;
  for (std::size_t i = 0; i < mpytool::kMaxAnswer / mib.size(); ++i) big.push(mib);
  big.push("\x04rest");
  BOOST_TEST(big.read_until("\x04", 1.0).size() == mpytool::kMaxAnswer);
  BOOST_TEST(big.flush() == "rest");
  BOOST_TEST(big.written() == "");
}

BOOST_AUTO_TEST_CASE(read_bytes_returns_exactly_n) {
  FakeConn conn({{0ms, "ab"}, {5ms, "cde"}});
  BOOST_TEST(conn.read_bytes(4) == "abcd");
  BOOST_TEST(conn.read_bytes(1) == "e");
  BOOST_TEST(conn.read_bytes(0) == "");
}

BOOST_AUTO_TEST_CASE(read_does_not_touch_the_buffer) {
  FakeConn conn({{0ms, "a>b"}, {0ms, "c"}});
  BOOST_TEST(conn.read_until(">") == "a");
  BOOST_TEST(conn.read(0.5) == "c");
  BOOST_TEST(conn.read() == "");
  BOOST_TEST(conn.flush() == "b");
}

BOOST_AUTO_TEST_CASE(write_loops_until_all_is_written) {
  FakeConn conn;
  conn.write("import machine; machine.reset()\x04");
  BOOST_TEST(conn.written() == "import machine; machine.reset()\x04");
}

BOOST_AUTO_TEST_CASE(traffic_is_logged_as_python_bytes_repr) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  sink->set_pattern("%v");
  auto& log = mpytool::logger();
  const auto level = log.level();
  log.sinks().push_back(sink);
  log.set_level(spdlog::level::debug);
  FakeConn conn({{0ms, "OK\x04"}});
  conn.write(
      "\x01"
      "a'b");
  conn.read_until("\x04");
  log.sinks().pop_back();
  log.set_level(level);
  BOOST_TEST(captured.str() == "TX: b\"\\x01a'b\"\nRX: b'OK\\x04'\n");
}

BOOST_AUTO_TEST_CASE(bytes_repr_matches_python) {
  using mpytool::detail::bytes_repr;
  BOOST_TEST(bytes_repr("") == "b''");
  BOOST_TEST(bytes_repr("a\tb\\\x7f\xff") == "b'a\\tb\\\\\\x7f\\xff'");
  BOOST_TEST(bytes_repr("it's") == "b\"it's\"");
  BOOST_TEST(bytes_repr("'\"") == "b'\\'\"'");
  BOOST_TEST(bytes_repr("abcdef", 3) == "b'abc'...");
}

BOOST_AUTO_TEST_CASE(default_resets_are_not_supported) {
  FakeConn conn;
  BOOST_TEST(error_text<mpytool::ConnError>([&] { conn.hard_reset(); }) ==
             "Hardware reset not supported on fake");
  BOOST_TEST(error_text<mpytool::ConnError>([&] { conn.reset_to_bootloader(); }) ==
             "Bootloader reset not supported on fake");
  BOOST_TEST(error_text<mpytool::ConnError>([&] { conn.reconnect(1); }) ==
             "Reconnect not supported on fake");
}

// --- escape hook ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(escape_handler_gets_bytes_across_reads) {
  FrameHandler handler;
  FakeConn conn({{0ms, "ab\x18"},
                 {0ms, "\x01"},
                 {0ms,
                  "\x02"
                  "cd"}});
  conn.set_escape_handler('\x18', &handler);
  BOOST_TEST(conn.read(0.5) == "ab");
  BOOST_TEST(conn.busy());
  BOOST_TEST(conn.read(0.5) == "");
  BOOST_TEST(conn.busy());
  BOOST_TEST(conn.read(0.5) == "cd");
  BOOST_TEST(!conn.busy());
  BOOST_TEST(handler.frames == std::vector<Bytes>{"\x18\x01\x02"});
}

BOOST_AUTO_TEST_CASE(escape_leftovers_are_scanned_again) {
  FrameHandler handler;
  FakeConn conn({{0ms, "a\x18xyb\x18zwc"}});
  conn.set_escape_handler('\x18', &handler);
  BOOST_TEST(conn.read(0.5) == "abc");
  BOOST_TEST(handler.frames == (std::vector<Bytes>{"\x18xy", "\x18zw"}));
}

BOOST_AUTO_TEST_CASE(earliest_registered_escape_byte_wins) {
  FrameHandler vfs, other;
  FakeConn conn({{0ms, "1\x1b\x18x2\x18\x1by3"}});
  conn.set_escape_handler('\x18', &vfs);
  conn.set_escape_handler('\x1b', &other);
  BOOST_TEST(conn.read(0.5) == "123");
  BOOST_TEST(other.frames == std::vector<Bytes>{"\x1b\x18x"});
  BOOST_TEST(vfs.frames == std::vector<Bytes>{"\x18\x1by"});
}

BOOST_AUTO_TEST_CASE(escape_hook_applies_to_read_until) {
  FrameHandler handler;
  FakeConn conn({{0ms, "OK\x18"}, {0ms, "ab"}, {0ms, "done\x04"}});
  conn.set_escape_handler('\x18', &handler);
  BOOST_TEST(conn.read_until("\x04") == "OKdone");
  BOOST_TEST(handler.frames == std::vector<Bytes>{"\x18"
                                                  "ab"});
}

BOOST_AUTO_TEST_CASE(declined_escape_byte_is_plain_output) {
  DecliningHandler handler;
  FakeConn conn({{0ms,
                  "a\x18"
                  "b\x18"}});
  conn.set_escape_handler('\x18', &handler);
  BOOST_TEST(conn.read(0.5) ==
             "a\x18"
             "b\x18");
  BOOST_TEST(!conn.busy());
}

BOOST_AUTO_TEST_CASE(handler_reads_its_parameters_raw) {
  // The parameters hold escape bytes themselves; they must reach the handler unscanned and
  // whatever follows them must come out as ordinary output.
  FakeConn conn({{0ms, "x\x18"}, {5ms, "\x18\x18rest"}});
  RawParamHandler handler(conn);
  conn.set_escape_handler('\x18', &handler);
  BOOST_TEST(conn.read(0.5) == "xrest");
  BOOST_TEST(handler.params == "\x18\x18");
}

BOOST_AUTO_TEST_CASE(removed_handler_no_longer_intercepts) {
  FrameHandler handler;
  FakeConn conn({{0ms, "a\x18"}, {0ms, "b\x18"}});
  conn.set_escape_handler('\x18', &handler);
  BOOST_TEST(conn.read(0.5) == "a");
  conn.set_escape_handler('\x18', nullptr);
  BOOST_TEST(!conn.busy());
  BOOST_TEST(conn.read(0.5) == "b\x18");
}

// --- ConnSocket -------------------------------------------------------------------------------

namespace {

/// A loopback echo server on 127.0.0.1:<ephemeral>, plain or TLS, serving connections one at a
/// time in a thread until destroyed.
class EchoServer {
 public:
  enum class Mode { kEcho, kCloseAtOnce };
  explicit EchoServer(asio::ssl::context* tls = nullptr, Mode mode = Mode::kEcho)
      : tls_(tls),
        mode_(mode),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    acceptor_.non_blocking(true);
    thread_ = std::thread([this] { run(); });
  }
  ~EchoServer() {
    stop_ = true;
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port()); }

 private:
  bool wait_readable(int fd) {
    while (!stop_) {
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, 20) > 0) return true;
    }
    return false;
  }
  void run() {
    while (wait_readable(acceptor_.native_handle())) {
      boost::system::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec) continue;
      socket.non_blocking(false);
      if (mode_ == Mode::kCloseAtOnce) continue;  // the socket closes right here
      if (tls_) {
        asio::ssl::stream<tcp::socket&> stream(socket, *tls_);
        stream.handshake(asio::ssl::stream_base::server, ec);
        if (!ec) echo(stream, socket);
      } else {
        echo(socket, socket);
      }
    }
  }
  // Reads until the socket would block before polling again: TLS keeps whole records in its
  // buffers where poll() cannot see them. Writes block (asio TLS needs that).
  template <typename Stream>
  void echo(Stream& stream, tcp::socket& socket) {
    char buf[1024];
    while (!stop_) {
      boost::system::error_code ec;
      socket.non_blocking(true);
      const auto n = stream.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block) {
        wait_readable(socket.native_handle());
        continue;
      }
      if (ec) return;
      socket.non_blocking(false);
      asio::write(stream, asio::buffer(buf, n), ec);
    }
  }

  asio::ssl::context* tls_;
  Mode mode_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// A self-signed certificate for "localhost" made with the openssl CLI; empty dir if no CLI.
struct TestCert {
  TestCert() {
    dir = std::filesystem::temp_directory_path() /
          ("mpytool_conn_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
        " -subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout '" +
        (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() + "' >/dev/null 2>&1";
    ok = std::system(cmd.c_str()) == 0;
  }
  ~TestCert() { std::filesystem::remove_all(dir); }
  std::string cert() const { return (dir / "cert.pem").string(); }
  asio::ssl::context server_context() const {
    asio::ssl::context ctx(asio::ssl::context::tls_server);
    ctx.use_certificate_chain_file(cert());
    ctx.use_private_key_file((dir / "key.pem").string(), asio::ssl::context::pem);
    return ctx;
  }
  std::filesystem::path dir;
  bool ok = false;
};

/// TLS on, with the given verification settings (as --ssl, --ssl-ca, --ssl-no-*).
mpytool::TlsOptions tls_options(bool verify = true, std::string ca_file = {},
                                bool check_hostname = true) {
  mpytool::TlsOptions tls;
  tls.enabled = true;
  tls.verify = verify;
  tls.ca_file = std::move(ca_file);
  tls.check_hostname = check_hostname;
  return tls;
}

unsigned short unused_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();  // closed again when acceptor goes
}

}  // namespace

BOOST_AUTO_TEST_CASE(socket_round_trip) {
  EchoServer server;
  mpytool::ConnSocket conn(server.address());
  BOOST_TEST(conn.description() == server.address() + " [tcp]");
  BOOST_TEST(conn.type_name() == "socket");
  BOOST_TEST(conn.host() == "127.0.0.1");
  BOOST_TEST(conn.port() == server.port());
  BOOST_TEST(conn.fd() >= 0);
  conn.write("print(1)\r\n");
  BOOST_TEST(conn.read_until("\r\n", 2.0) == "print(1)");
  const Bytes big(100000, 'x');
  conn.write(big + "!");
  BOOST_TEST(conn.read_until("!", 2.0) == big);
  BOOST_TEST(error_text<mpytool::ConnError>([&] { conn.hard_reset(); }) ==
             "Hardware reset not supported on socket");
  conn.close();
  BOOST_TEST(conn.fd() == -1);
  BOOST_TEST(error_text<mpytool::ConnError>([&] { conn.write("x"); }) == "Not connected");
}

BOOST_AUTO_TEST_CASE(socket_peer_close_is_connection_closed) {
  EchoServer server(nullptr, EchoServer::Mode::kCloseAtOnce);
  mpytool::ConnSocket conn(server.address());
  BOOST_TEST(error_text<mpytool::ConnError>([&] { conn.read_until(">", 2.0); }) ==
             "Connection closed");
}

BOOST_AUTO_TEST_CASE(socket_refused_port) {
  const auto port = unused_port();
  const std::string address = "127.0.0.1:" + std::to_string(port);
  const auto text = error_text<mpytool::ConnError>([&] { mpytool::ConnSocket conn(address); });
  BOOST_TEST(text.starts_with("Cannot connect to " + address + ": "), text);
  BOOST_TEST(text.find("refused") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(parse_address_forms) {
  using mpytool::parse_address;
  using Result = std::pair<std::string, unsigned short>;
  BOOST_TEST((parse_address("192.168.4.1") == Result{"192.168.4.1", 23}));
  BOOST_TEST((parse_address("board.local:8266") == Result{"board.local", 8266}));
  BOOST_TEST((parse_address("[::1]:2323") == Result{"::1", 2323}));
  BOOST_TEST((parse_address("[fe80::1]") == Result{"fe80::1", 23}));
  BOOST_TEST((parse_address("fe80::1") == Result{"fe80::1", 23}));
  BOOST_TEST((parse_address("host", 8080) == Result{"host", 8080}));
  for (const char* bad :
       {"host:", "host:x", "host:0", "host:65536", ":23", "[::1", "[::1]x", "[::1]:", ""}) {
    BOOST_TEST(error_text<mpytool::UsageError>([&] { parse_address(bad); }) ==
                   "invalid address '" + std::string(bad) + "'",
               bad);
  }
}

BOOST_AUTO_TEST_CASE(socket_tls) {
  const TestCert cert;
  if (!cert.ok) {
    BOOST_TEST_MESSAGE("openssl CLI not available, TLS test skipped");
    return;
  }
  auto server_ctx = cert.server_context();
  EchoServer server(&server_ctx);
  const std::string by_name = "localhost:" + std::to_string(server.port());

  {  // --ssl-no-verify: anything goes
    mpytool::ConnSocket conn(server.address(), tls_options(false));
    BOOST_TEST(conn.description() == server.address() + " [ssl]");
    conn.write("hello\n");
    BOOST_TEST(conn.read_until("\n", 2.0) == "hello");
    // More than one TLS record in flight: the tail must not hide inside OpenSSL.
    const Bytes big(50000, 'y');
    conn.write(big + "\n");
    BOOST_TEST(conn.read_until("\n", 2.0) == big);
  }
  {  // the system store does not know our self-signed certificate
    const auto text =
        error_text<mpytool::ConnError>([&] { mpytool::ConnSocket conn(by_name, tls_options()); });
    BOOST_TEST(text.starts_with("SSL error: certificate verify failed"), text);
  }
  {  // right CA and host name
    mpytool::ConnSocket conn(by_name, tls_options(true, cert.cert()));
    conn.write("ok\n");
    BOOST_TEST(conn.read_until("\n", 2.0) == "ok");
  }
  {  // right CA, but the certificate names "localhost", not 127.0.0.1
    const auto text = error_text<mpytool::ConnError>(
        [&] { mpytool::ConnSocket conn(server.address(), tls_options(true, cert.cert())); });
    BOOST_TEST(text.starts_with("SSL error: "), text);
    BOOST_TEST(text.find("mismatch") != std::string::npos, text);
    mpytool::ConnSocket conn(server.address(), tls_options(true, cert.cert(), false));
  }
  {  // unreadable CA file
    const auto missing = (cert.dir / "missing.pem").string();
    BOOST_TEST(error_text<mpytool::ConnError>([&] {
                 mpytool::ConnSocket conn(server.address(), tls_options(true, missing));
               }) == "SSL error: cannot load CA file '" + missing + "': no such file or directory");
  }
}

// --- ConnSerial on a pseudo-terminal ----------------------------------------------------------

namespace {

/// A pty pair; the test plays the board on the master side.
struct Pty {
  Pty() {
    char name[256];
    BOOST_REQUIRE(::openpty(&master, &slave, name, nullptr, nullptr) == 0);
    path = name;
    ::close(slave);  // ConnSerial opens its own
  }
  ~Pty() {
    if (master >= 0) ::close(master);
  }
  void send(std::string_view data) const {
    BOOST_REQUIRE(::write(master, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  }
  Bytes receive(std::size_t n) const {
    Bytes data;
    while (data.size() < n) {
      pollfd pfd{master, POLLIN, 0};
      if (::poll(&pfd, 1, 2000) <= 0) break;
      char buf[256];
      const auto got = ::read(master, buf, std::min(sizeof buf, n - data.size()));
      if (got <= 0) break;
      data.append(buf, static_cast<std::size_t>(got));
    }
    return data;
  }
  int master = -1;
  int slave = -1;
  std::string path;
};

}  // namespace

BOOST_AUTO_TEST_CASE(serial_on_a_pty) {
  Pty pty;
  mpytool::ConnSerial conn(pty.path, 115200);
  BOOST_TEST(conn.type_name() == "serial");
  BOOST_TEST(conn.description() == pty.path);
  BOOST_TEST(conn.port() == pty.path);
  conn.write("\x03\x01");
  BOOST_TEST(pty.receive(2) == "\x03\x01");
  pty.send("raw REPL; CTRL-B to exit\r\n>");
  BOOST_TEST(conn.read_until("exit\r\n>", 2.0) == "raw REPL; CTRL-B to ");
  // No modem lines on a pty, and no USB-UART: no reset tricks.
  BOOST_TEST(error_text<mpytool::ConnError>([&] { conn.hard_reset(); }) ==
             "Hardware reset not supported on serial");
  BOOST_TEST(error_text<mpytool::ConnError>([&] { conn.reset_to_bootloader(); }) ==
             "Bootloader reset not supported on serial");
  BOOST_TEST(error_text<mpytool::ConnError>([&] { conn.set_dtr(true); }) ==
             "Hardware reset not supported on serial");
  conn.close();
  BOOST_TEST(error_text<mpytool::ConnError>([&] { conn.read(0); }) == "Not connected");
}

BOOST_AUTO_TEST_CASE(serial_custom_baud_and_reconnect) {
  Pty pty;
  mpytool::SerialSettings settings;
  settings.parity = 'E';
  settings.stop_bits = 2;
  mpytool::ConnSerial conn(pty.path, 74880, settings);
  pty.send("stale");
  BOOST_TEST(conn.read(1.0) == "stale");
  pty.send("x");
  BOOST_TEST(conn.read_bytes(1, 1.0) == "x");
  conn.reconnect(2.0);
  conn.write("y");
  BOOST_TEST(pty.receive(1) == "y");
}

BOOST_AUTO_TEST_CASE(serial_lost_link) {
  Pty pty;
  // Opened through a link, like /dev/serial/by-id/...: a board that goes away takes its link
  // along. (The pty's own number may be handed to another process at once.)
  const std::filesystem::path link =
      std::filesystem::temp_directory_path() / ("mpytool-lost-" + std::to_string(::getpid()));
  std::filesystem::remove(link);
  std::filesystem::create_symlink(pty.path, link);
  mpytool::ConnSerial conn(link.string());
  ::close(std::exchange(pty.master, -1));  // the "board" goes away
  std::filesystem::remove(link);
  const auto text = error_text<mpytool::ConnError>([&] { conn.read_until(">", 1.0); });
  BOOST_TEST(text.starts_with("Connection lost: "), text);
  BOOST_TEST(error_text<mpytool::ConnError>([&] { conn.reconnect(0.3); }) ==
             "Could not reconnect to " + link.string() + " within 0.3s");
}

BOOST_AUTO_TEST_CASE(serial_open_errors) {
  const auto text =
      error_text<mpytool::ConnError>([] { mpytool::ConnSerial conn("/nonexistent/ttyACM9"); });
  BOOST_TEST(text == "cannot open '/nonexistent/ttyACM9': no such file or directory");
  try {
    mpytool::ConnSerial conn("/dev/null");
    BOOST_FAIL("/dev/null opened as a serial port");
  } catch (const mpytool::ConnError& e) {
    BOOST_TEST(std::string(e.what()) == "cannot open '/dev/null': not a serial port");
  }
}

BOOST_AUTO_TEST_CASE(serial_exclusive) {
  Pty pty;
  {
    mpytool::ConnSerial first(pty.path);
    const auto text = error_text<mpytool::ConnError>([&] { mpytool::ConnSerial second(pty.path); });
    BOOST_TEST(text == "cannot open '" + pty.path + "': device or resource busy");
  }
  mpytool::SerialSettings shared;
  shared.exclusive = false;
  mpytool::ConnSerial first(pty.path, 115200, shared);
  mpytool::ConnSerial second(pty.path, 115200, shared);
}

BOOST_AUTO_TEST_SUITE_END()
