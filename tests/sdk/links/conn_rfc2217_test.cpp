// SPDX-License-Identifier: MIT
// ConnRfc2217 against an in-process RFC 2217 server (a thread with a listening socket on
// 127.0.0.1, scripted per test): the negotiation and the settings' acknowledgements, answers to
// the server's own requests, IAC doubling both ways (also cut between reads), the server's
// subnegotiations mixed into the data, a reset sequence's line changes in one TCP segment before
// any acknowledgement, the W step's delay, a refused baud rate, purge, reconnect; and the link
// URLs (`rfc2217://`, `socket://`) with their options.
#include "mpytool/links/conn_rfc2217.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "loopback.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/link/reset_sequence.hpp"
#include "mpytool/links/link_url.hpp"

namespace links = mpytool::links;
using links::ConnRfc2217;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char IAC = '\xff', SB = '\xfa', SE = '\xf0', WILL = '\xfb', WONT = '\xfc', DO = '\xfd',
               DONT = '\xfe', NOP = '\xf1';
constexpr char COM = 44;

std::string sb(std::string payload) {
  std::string out{IAC, SB, COM};
  for (char c : payload) {
    out += c;
    if (c == IAC) out += IAC;
  }
  return out + std::string{IAC, SE};
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// One COM-PORT-OPTION command the client sent: code, value, and the recv() chunk it came in.
struct Command {
  int code;
  std::string value;
  std::size_t chunk;
};

enum class ComPort { kAccept, kRefuse, kSilent };
/// How the server behaves.
struct ServerConfig {
  ComPort comport = ComPort::kAccept;
  double settings_ack_delay = 0;            ///< before acknowledging baud/datasize/...
  std::optional<std::uint32_t> max_baud{};  ///< higher rates are answered with the current
  bool ack_control = true;                  ///< acknowledge SET-CONTROL at all
  double control_ack_delay = 0;             ///< after receiving a SET-CONTROL
  std::string greeting{};                   ///< raw bytes sent as soon as a client connects
  std::string before_purge_ack{};           ///< raw bytes sent before the PURGE-DATA ack
  std::string after_purge_ack{};            ///< and after it
};

/// The scripted RFC 2217 server. Its own small telnet parser (not the library's).
class FakeServer {
 public:
  using Config = ServerConfig;

  explicit FakeServer(Config config = Config()) : config_(std::move(config)) {
    listen_ = mpytool::testing::listen_loopback(port_);
    thread_ = std::thread([this] { run(); });
  }
  ~FakeServer() {
    stop_ = true;
    thread_.join();
    if (client_ >= 0) ::close(client_);
    ::close(listen_);
  }

  unsigned short port() const { return port_; }
  std::string base() const { return "rfc2217://127.0.0.1:" + std::to_string(port_); }
  std::string url(const std::string& options = "") const {
    return base() + (options.empty() ? "" : "?" + options);
  }

  /// Raw bytes to the client (sent by the server thread, as they are).
  void send(std::string bytes, double delay = 0) {
    std::lock_guard lock(mutex_);
    queue(std::move(bytes), delay);
  }
  /// Closes the current client's connection.
  void drop() {
    std::lock_guard lock(mutex_);
    drop_ = true;
  }

  std::vector<Command> commands() {
    std::lock_guard lock(mutex_);
    return commands_;
  }
  std::vector<Command> commands(int code) {
    std::vector<Command> out;
    for (auto& c : commands()) {
      if (c.code == code) out.push_back(c);
    }
    return out;
  }
  /// The option verbs the client sent: "DO 1", "WILL 44", ...
  std::vector<std::string> options() {
    std::lock_guard lock(mutex_);
    return options_;
  }
  std::string data() {
    std::lock_guard lock(mutex_);
    return data_;
  }
  std::string raw() {
    std::lock_guard lock(mutex_);
    std::string all;
    for (auto& c : chunks_) all += c;
    return all;
  }
  /// When each recv() chunk came, seconds after the client connected.
  std::vector<double> chunk_times() {
    std::lock_guard lock(mutex_);
    return chunk_times_;
  }
  int connections() {
    std::lock_guard lock(mutex_);
    return connections_;
  }
  bool wait_for(const std::function<bool()>& pred, double timeout = 3) {
    const auto start = Clock::now();
    while (since(start) < timeout) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
  }

 private:
  struct Outgoing {
    Clock::time_point due;
    std::string bytes;
  };

  void run() {
    while (!stop_) {
      {
        std::lock_guard lock(mutex_);
        if (drop_ && client_ >= 0) {
          ::close(client_);
          client_ = -1;
          outbox_.clear();
        }
        drop_ = false;
        // Due bytes go out in order; a later one never overtakes an earlier one.
        while (client_ >= 0 && !outbox_.empty() && outbox_.front().due <= Clock::now()) {
          const std::string& b = outbox_.front().bytes;
          [[maybe_unused]] auto n = ::send(client_, b.data(), b.size(), MSG_NOSIGNAL);
          outbox_.erase(outbox_.begin());
        }
      }
      pollfd pfd[2] = {{listen_, POLLIN, 0}, {client_, POLLIN, 0}};
      ::poll(pfd, client_ >= 0 ? 2 : 1, 2);
      if (pfd[0].revents & POLLIN) {
        const int c = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
        std::lock_guard lock(mutex_);
        if (client_ >= 0) ::close(client_);
        client_ = c;
        int one = 1;
        ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ++connections_;
        connected_at_ = Clock::now();
        state_ = 0;
        if (!config_.greeting.empty()) queue(config_.greeting, 0);
        continue;
      }
      if (client_ >= 0 && (pfd[1].revents & (POLLIN | POLLHUP))) {
        char buf[4096];
        const ssize_t n = ::recv(client_, buf, sizeof buf, 0);
        std::lock_guard lock(mutex_);
        if (n <= 0) {
          ::close(client_);
          client_ = -1;
          continue;
        }
        chunks_.emplace_back(buf, static_cast<std::size_t>(n));
        chunk_times_.push_back(since(connected_at_));
        for (ssize_t i = 0; i < n; ++i) parse(buf[i]);
      }
    }
  }

  void queue(std::string bytes, double delay) {  // with mutex_ held
    Outgoing o{Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(delay)),
               std::move(bytes)};
    // Keep the outbox in time order (acks held back must not block later data).
    auto it = outbox_.begin();
    while (it != outbox_.end() && it->due <= o.due) ++it;
    outbox_.insert(it, std::move(o));
  }

  // 0 data, 1 after IAC, 2 after a verb, 3 in SB, 4 IAC in SB
  void parse(char c) {
    switch (state_) {
      case 0:
        if (c == IAC) {
          state_ = 1;
        } else {
          data_ += c;
        }
        break;
      case 1:
        if (c == IAC) {
          data_ += c;
          state_ = 0;
        } else if (c == SB) {
          sb_.clear();
          state_ = 3;
        } else if (c == WILL || c == WONT || c == DO || c == DONT) {
          verb_ = c;
          state_ = 2;
        } else {
          state_ = 0;
        }
        break;
      case 2:
        on_option(verb_, c);
        state_ = 0;
        break;
      case 3:
        if (c == IAC) {
          state_ = 4;
        } else {
          sb_ += c;
        }
        break;
      case 4:
        if (c == IAC) {
          sb_ += c;
          state_ = 3;
        } else {
          on_sb(sb_);
          state_ = 0;
        }
        break;
    }
  }

  void on_option(char verb, char opt) {
    const char* names[] = {"WILL", "WONT", "DO", "DONT"};
    options_.push_back(fmt_option(names[static_cast<unsigned char>(verb) - 251], opt));
    if (opt == COM) {
      if (config_.comport == ComPort::kSilent) return;
      const bool ok = config_.comport == ComPort::kAccept;
      if (verb == WILL) queue({IAC, ok ? DO : DONT, COM}, 0);
      if (verb == DO) queue({IAC, ok ? WILL : WONT, COM}, 0);
      return;
    }
    if (verb == DO && (opt == 1 || opt == 3)) queue({IAC, WILL, opt}, 0);
    if (verb == WILL && opt == 3) queue({IAC, DO, opt}, 0);
  }

  static std::string fmt_option(const char* verb, char opt) {
    return std::string(verb) + " " + std::to_string(static_cast<unsigned char>(opt));
  }

  void on_sb(const std::string& s) {
    if (s.size() < 2 || s[0] != COM) return;
    const int code = static_cast<unsigned char>(s[1]);
    const std::string value = s.substr(2);
    commands_.push_back({code, value, chunks_.size() - 1});
    switch (code) {
      case 1: {
        std::uint32_t want = 0;
        for (char c : value) want = want << 8 | static_cast<unsigned char>(c);
        if (config_.max_baud && want > *config_.max_baud) want = baud_;
        baud_ = want;
        queue(sb(std::string(1, 101) + be32(want)), config_.settings_ack_delay);
        break;
      }
      case 2:
      case 3:
      case 4:
        queue(sb(std::string(1, static_cast<char>(code + 100)) + value),
              config_.settings_ack_delay);
        break;
      case 5:
        if (config_.ack_control) queue(sb(std::string(1, 105) + value), config_.control_ack_delay);
        break;
      case 12:
        queue(config_.before_purge_ack + sb(std::string(1, 112) + value) + config_.after_purge_ack,
              0);
        break;
      default:
        break;
    }
  }

  Config config_;
  int listen_ = -1, client_ = -1;
  unsigned short port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<Outgoing> outbox_;
  bool drop_ = false;
  int connections_ = 0;
  Clock::time_point connected_at_ = Clock::now();
  std::vector<std::string> chunks_;
  std::vector<double> chunk_times_;
  std::vector<Command> commands_;
  std::vector<std::string> options_;
  std::string data_, sb_;
  int state_ = 0;
  char verb_ = 0;
  std::uint32_t baud_ = 0;
};

/// The message of the MpyError \p f throws (fails the test when none).
template <class E = mpytool::MpyError>
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  BOOST_FAIL("no error thrown");
  return {};
}

int count(const std::vector<std::string>& v, const std::string& item) {
  return static_cast<int>(std::count(v.begin(), v.end(), item));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conn_rfc2217_test)

BOOST_AUTO_TEST_CASE(negotiation_waits_for_the_settings_acks) {
  FakeServer server({.settings_ack_delay = 0.2});
  const auto start = Clock::now();
  ConnRfc2217 conn(server.url(), 115200);
  BOOST_TEST(since(start) >= 0.19);  // the acks were waited for
  BOOST_TEST(conn.description() == server.base());
  BOOST_TEST(conn.type_name() == "RFC 2217");
  BOOST_TEST(conn.baud() == 115200);
  const auto opts = server.options();
  for (const char* o : {"DO 1", "WILL 3", "DO 3", "WILL 44", "DO 44"}) {
    BOOST_TEST(count(opts, o) == 1, o);
  }
  // The server's answers (WILL 1, WILL 3, DO 3, ...) confirm our requests: no reply to them.
  BOOST_TEST(opts.size() == 5u);
  const auto cmds = server.commands();
  BOOST_REQUIRE(cmds.size() == 4u);
  BOOST_TEST(cmds[0].code == 1);
  BOOST_TEST(cmds[0].value == be32(115200));
  BOOST_TEST(cmds[1].code == 2);
  BOOST_TEST(cmds[1].value == std::string(1, 8));
  BOOST_TEST(cmds[2].code == 3);
  BOOST_TEST(cmds[2].value == std::string(1, 1));
  BOOST_TEST(cmds[3].code == 4);
  BOOST_TEST(cmds[3].value == std::string(1, 1));
  BOOST_TEST(cmds[0].chunk == cmds[3].chunk);  // the four settings in one write
  // No DTR/RTS change on open: that could reset the board.
  BOOST_TEST(server.commands(5).empty());
}

BOOST_AUTO_TEST_CASE(the_servers_requests_are_answered_once) {
  // DO TERMINAL-TYPE (24) twice, WILL STATUS (5), DO BINARY, WILL BINARY, a NOP.
  const std::string greeting = {IAC, DO, 24, IAC, DO,   24, IAC, WILL, 5,
                                IAC, DO, 0,  IAC, WILL, 0,  IAC, NOP};
  FakeServer server({.greeting = greeting});
  ConnRfc2217 conn(server.url());
  BOOST_TEST(server.wait_for([&] { return count(server.options(), "DO 0") == 1; }));
  conn.read(0.05);
  const auto opts = server.options();
  BOOST_TEST(count(opts, "WONT 24") == 1);  // refused once, never looping
  BOOST_TEST(count(opts, "DONT 5") == 1);
  BOOST_TEST(count(opts, "WILL 0") == 1);  // binary accepted both ways
  BOOST_TEST(count(opts, "DO 0") == 1);
  BOOST_TEST(server.data().empty());
}

BOOST_AUTO_TEST_CASE(a_server_without_com_port_option_is_named) {
  {
    FakeServer server({.comport = ComPort::kSilent});
    const auto start = Clock::now();
    BOOST_TEST(message_of<mpytool::ConnError>([&] { ConnRfc2217 c(server.url("timeout=0.3")); }) ==
               "cannot open '" + server.base() + "': no RFC 2217 server answered within 0.3s");
    BOOST_TEST(since(start) < 2.0);
  }
  {
    FakeServer server({.comport = ComPort::kRefuse});
    BOOST_TEST(message_of<mpytool::ConnError>([&] { ConnRfc2217 c(server.url()); }) ==
               "cannot open '" + server.base() + "': the server refused COM-PORT-OPTION");
  }
}

BOOST_AUTO_TEST_CASE(connection_refused_is_named_as_for_other_links) {
  // A port nobody listens on: bind one, then close it.
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(s);
  const std::string url = "rfc2217://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  mpytool::ExitCode code = mpytool::ExitCode::kOk;
  try {
    ConnRfc2217 conn(url);
    BOOST_FAIL("opened");
  } catch (const mpytool::ConnError& e) {
    BOOST_TEST(std::string(e.what()) == "cannot open '" + url + "': connection refused");
    code = e.exit_code();
  }
  BOOST_TEST(static_cast<int>(code) == 3);
}

BOOST_AUTO_TEST_CASE(iac_is_doubled_both_ways_also_across_reads) {
  FakeServer server;
  ConnRfc2217 conn(server.url());
  conn.write(
      std::string("a\xff"
                  "b\xff",
                  4));
  BOOST_TEST(server.wait_for([&] { return server.data().size() == 4; }));
  BOOST_TEST(server.data() == std::string("a\xff"
                                          "b\xff",
                                          4));
  BOOST_TEST(
      server.raw().ends_with(std::string("a\xff\xff"
                                         "b\xff\xff",
                                         6)));

  server.send(std::string("x\xff\xffy", 4));
  BOOST_TEST(conn.read_bytes(3, 2.0) == std::string("x\xffy", 3));
  // An IAC IAC cut between two reads, and a subnegotiation cut twice.
  server.send(std::string("p\xff", 2));
  server.send(std::string("\xffq", 2), 0.1);
  server.send(std::string("m\xff\xfa", 3), 0.2);
  server.send(std::string("\x2c\x6b\x20\xff", 4), 0.3);
  server.send(std::string("\xf0n", 2), 0.4);
  std::string got;
  const auto start = Clock::now();
  while (got.size() < 5 && since(start) < 3) got += conn.read(0.5);
  BOOST_TEST(got == std::string("p\xffqmn", 5));
  BOOST_TEST(conn.modem_state().value_or(0) == 0x20);
}

BOOST_AUTO_TEST_CASE(the_servers_subnegotiations_never_reach_the_data) {
  FakeServer server;
  ConnRfc2217 conn(server.url());
  // Modem and line state, a flow suspend, a stray ack and a NOP between the data bytes; an
  // 0xFF inside a subnegotiation's value.
  server.send("ab" + sb({107, 0x30}) + "cd" + sb({106, 0x60}) + sb({108}) + "ef" +
              std::string{IAC, NOP} + sb({105, 8}) + sb({107, '\xff'}) + "gh\r\n");
  BOOST_TEST(conn.read_until("\r\n", 2.0) == "abcdefgh");
  BOOST_TEST(conn.modem_state().value_or(0) == 0xff);
  BOOST_TEST(conn.line_state().value_or(0) == 0x60);
  BOOST_TEST(conn.flow_suspended());
  server.send(sb({109}) + "ok");
  BOOST_TEST(conn.read_bytes(2, 2.0) == "ok");
  BOOST_TEST(!conn.flow_suspended());
}

BOOST_AUTO_TEST_CASE(a_reset_sequence_goes_out_in_one_segment_per_wait) {
  // SET-CONTROL acks come 0.5 s late: waiting for them would stretch every step.
  FakeServer server({.control_ack_delay = 0.5});
  ConnRfc2217 conn(server.url());
  const auto start = Clock::now();
  conn.run_reset_sequence(mpytool::parse_reset_sequence("D0|R1|W0.1|D1|R0|W0.05|U0,1"));
  const double took = since(start);
  BOOST_TEST(took >= 0.149);
  BOOST_TEST(took < 0.4);  // no ack was waited for
  BOOST_REQUIRE(server.wait_for([&] { return server.commands(5).size() == 6; }));
  const auto cmds = server.commands(5);
  std::string values;
  for (const auto& c : cmds) values += std::to_string(c.value[0]) + " ";
  BOOST_TEST(values == "9 11 8 12 9 11 ");
  // One recv() chunk per group between waits, before any ack was sent.
  BOOST_TEST(cmds[0].chunk == cmds[1].chunk);
  BOOST_TEST(cmds[2].chunk == cmds[3].chunk);
  BOOST_TEST(cmds[4].chunk == cmds[5].chunk);
  BOOST_TEST(cmds[1].chunk != cmds[2].chunk);
  BOOST_TEST(cmds[3].chunk != cmds[4].chunk);
  const auto times = server.chunk_times();
  BOOST_TEST(times[cmds[2].chunk] - times[cmds[0].chunk] >= 0.095);  // W0.1
  BOOST_TEST(times[cmds[4].chunk] - times[cmds[2].chunk] >= 0.045);  // W0.05
  BOOST_TEST(times[cmds[2].chunk] - times[cmds[0].chunk] < 0.3);
  // The late acks are consumed without a trace; a set_dtr after them waits for its own.
  server.send("done\r\n", 0.7);
  BOOST_TEST(conn.read_until("\r\n", 3.0) == "done");
  const auto t = Clock::now();
  conn.set_dtr(true);
  BOOST_TEST(since(t) >= 0.45);  // its own ack, not one of the six before
  BOOST_TEST(server.commands(5).back().value == std::string(1, 8));
}

BOOST_AUTO_TEST_CASE(set_control_acks_are_waited_for_unless_ign_set_control) {
  FakeServer server({.ack_control = false});
  {
    ConnRfc2217 conn(server.url("ign_set_control"));
    const auto start = Clock::now();
    conn.set_dtr(false);
    conn.set_rts(true);
    BOOST_TEST(since(start) < 0.1);
    BOOST_TEST(server.wait_for([&] { return server.commands(5).size() == 2; }));
    conn.hard_reset();  // R1|W0.1|R0 with DTR low
  }
  BOOST_TEST(server.wait_for([&] { return server.commands(5).size() == 5; }));
  std::string values;
  for (const auto& c : server.commands(5)) values += std::to_string(c.value[0]) + " ";
  BOOST_TEST(values == "9 11 9 11 12 ");
  ConnRfc2217 conn(server.url("timeout=0.3"));
  std::string what, hint;
  try {
    conn.set_rts(false);
    BOOST_FAIL("no error");
  } catch (const mpytool::ConnError& e) {
    what = e.what();
    hint = e.hint();
  }
  BOOST_TEST(what == "the serial server did not acknowledge RTS off within 0.3s");
  BOOST_TEST(hint == "for a server that never does (esp_rfc2217_server): " + server.base() +
                         "?ign_set_control");
}

BOOST_AUTO_TEST_CASE(a_refused_baud_rate_keeps_the_old_one) {
  FakeServer server({.max_baud = 115200});
  ConnRfc2217 conn(server.url(), 115200);
  mpytool::ExitCode code = mpytool::ExitCode::kOk;
  try {
    conn.set_baud(460800);
    BOOST_FAIL("no error");
  } catch (const mpytool::ConnError& e) {
    BOOST_TEST(std::string(e.what()) ==
               "the serial server refused 460800 baud (the port stays at 115200)");
    code = e.exit_code();
  }
  BOOST_TEST(static_cast<int>(code) == 3);
  BOOST_TEST(conn.baud() == 115200);
  conn.set_baud(57600);
  BOOST_TEST(conn.baud() == 57600);
  BOOST_TEST(server.commands(1).back().value == be32(57600));
  // Opening at a rate the server refuses fails the open.
  BOOST_TEST(message_of<mpytool::ConnError>([&] { ConnRfc2217 c(server.url(), 921600); }) ==
             "cannot open '" + server.base() +
                 "': the serial server refused 921600 baud (the port is at 57600)");
}

BOOST_AUTO_TEST_CASE(purge_drops_what_came_before_its_ack) {
  FakeServer server({.before_purge_ack = "stale", .after_purge_ack = "fresh"});
  ConnRfc2217 conn(server.url());
  server.send("older");
  BOOST_TEST(server.wait_for([&] { return conn.has_data(0.05); }));
  conn.purge();
  BOOST_TEST(server.commands(12).at(0).value == std::string(1, 3));
  BOOST_TEST(conn.read_bytes(5, 2.0) == "fresh");
}

BOOST_AUTO_TEST_CASE(reconnect_renegotiates) {
  FakeServer server;
  ConnRfc2217 conn(server.url(), 115200);
  conn.set_baud(230400);
  server.drop();
  BOOST_CHECK_THROW(
      {
        for (int i = 0; i < 100; ++i) conn.read(0.05);
      },
      mpytool::ConnLost);
  conn.reconnect(3);
  BOOST_TEST(server.connections() == 2);
  BOOST_TEST(server.commands(1).back().value == be32(230400));  // the rate set again
  BOOST_TEST(count(server.options(), "WILL 44") == 2);
  server.send("again");
  BOOST_TEST(conn.read_bytes(5, 2.0) == "again");
}

BOOST_AUTO_TEST_CASE(link_urls_and_their_options) {
  BOOST_TEST(links::is_link_url("rfc2217://host:4000"));
  BOOST_TEST(links::is_link_url("socket://host:23"));
  BOOST_TEST(!links::is_link_url("/dev/ttyUSB0"));
  BOOST_TEST(!links::is_link_url("id:E6614C311B3F"));
  BOOST_TEST(!links::is_link_url("loc:1-2.3"));
  const auto url = links::parse_link_url("RFC2217://[::1]:4000?ign_set_control&timeout=5");
  BOOST_TEST(url.scheme == "rfc2217");
  BOOST_TEST(url.host == "::1");
  BOOST_TEST(url.port == 4000);
  BOOST_TEST(url.base() == "rfc2217://[::1]:4000");
  const auto o = links::Rfc2217Options::from_url(url);
  BOOST_TEST(o.ign_set_control);
  BOOST_TEST(o.timeout == 5.0);

  BOOST_TEST(message_of<mpytool::UsageError>([] {
               links::Rfc2217Options::from_url(
                   links::parse_link_url("rfc2217://h:1?poll_modem&timeout=2&logging=debug"));
             }) ==
             "unknown options 'poll_modem', 'logging' in "
             "'rfc2217://h:1?poll_modem&timeout=2&logging=debug' (known: ign_set_control, "
             "timeout=SEC)");
  // The constructor refuses it before connecting.
  BOOST_TEST(message_of<mpytool::UsageError>([] { ConnRfc2217 c("rfc2217://h:1?x"); }) ==
             "unknown option 'x' in 'rfc2217://h:1?x' (known: ign_set_control, timeout=SEC)");
  BOOST_TEST(message_of<mpytool::UsageError>([] {
               links::Rfc2217Options::from_url(links::parse_link_url("rfc2217://h:1?timeout=0"));
             }) == "option 'timeout' needs seconds (0 < SEC <= 3600) in 'rfc2217://h:1?timeout=0'");
  BOOST_TEST(message_of<mpytool::UsageError>([] { links::parse_link_url("rfc2217://h"); }) ==
             "invalid link URL 'rfc2217://h': no port (HOST:PORT)");
  BOOST_TEST(message_of<mpytool::UsageError>([] { links::parse_link_url("telnet://h:23"); }) ==
             "unknown link type 'telnet://' in 'telnet://h:23' (known: rfc2217://, socket://)");
  BOOST_TEST(message_of<mpytool::UsageError>([] { links::open_link("socket://h:1?x"); }) ==
             "socket:// takes no options: 'socket://h:1?x'");
}

BOOST_AUTO_TEST_CASE(socket_urls_are_raw_tcp_links) {
  FakeServer server;  // as a plain TCP peer: no telnet from this side
  auto conn = links::open_link("socket://127.0.0.1:" + std::to_string(server.port()));
  BOOST_TEST(conn->type_name() == "socket");
  conn->write(std::string("\xff\x01", 2));
  BOOST_TEST(server.wait_for([&] { return server.raw().size() == 2; }));
  BOOST_TEST(server.raw() == std::string("\xff\x01", 2));  // not doubled
  BOOST_CHECK_THROW(conn->hard_reset(), mpytool::ConnError);
  auto rfc = links::open_link(server.url());
  BOOST_TEST(rfc->type_name() == "RFC 2217");
}

BOOST_AUTO_TEST_SUITE_END()
