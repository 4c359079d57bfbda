// SPDX-License-Identifier: MIT
// The HTTP client against in-process servers on 127.0.0.1 (plain sockets and OpenSSL, fixed
// answers, counting connections): GET, keep-alive reuse, a connection the server dropped,
// redirects, 404, chunked bodies, get_all() over at most `parallel` connections, timeouts,
// HTTPS with a test CA made at test time (right CA, wrong CA, wrong name), a CONNECT proxy and
// an http proxy, no_proxy. Never an external host.
#include "mpytool/http/client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loopback.hpp"
#include "mpytool/base/error.hpp"

namespace fs = std::filesystem;
using namespace mpytool::http;
using namespace std::chrono_literals;

namespace {

// One accepted connection: plain or TLS.
struct Io {
  int fd = -1;
  SSL* ssl = nullptr;
  long read(char* buf, std::size_t n) const {
    return ssl ? SSL_read(ssl, buf, static_cast<int>(n)) : ::recv(fd, buf, n, 0);
  }
  bool write(const std::string& s) const {
    std::size_t off = 0;
    while (off < s.size()) {
      long w = ssl ? SSL_write(ssl, s.data() + off, static_cast<int>(s.size() - off))
                   : ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (w <= 0) return false;
      off += static_cast<std::size_t>(w);
    }
    return true;
  }
};

// Reads one request head ("...\r\n\r\n"); false when the peer closed first.
bool read_head(const Io& io, std::string& pending, std::string& head) {
  for (;;) {
    auto end = pending.find("\r\n\r\n");
    if (end != std::string::npos) {
      head = pending.substr(0, end + 4);
      pending.erase(0, end + 4);
      return true;
    }
    char buf[4096];
    long n = io.read(buf, sizeof buf);
    if (n <= 0) return false;
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

int connect_local(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A server on 127.0.0.1: a thread per connection running on_connection; counts connections.
class Server {
 public:
  using OnConnection = std::function<void(const Io&)>;
  explicit Server(OnConnection on_connection, SSL_CTX* tls = nullptr)
      : on_connection_(std::move(on_connection)), tls_(tls) {
    listen_fd_ = mpytool::testing::listen_loopback(port_, 64);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~Server() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  std::string url(const std::string& path, const std::string& host = "127.0.0.1") const {
    return (tls_ ? "https://" : "http://") + host + ":" + std::to_string(port_) + path;
  }
  int accepted() const { return accepted_; }
  int max_concurrent() const { return max_concurrent_; }

 private:
  void accept_loop() {
    for (;;) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) {
        if (stopping_) return;
        continue;
      }
      ++accepted_;
      std::lock_guard lock(mutex_);
      open_fds_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }
  void serve(int fd) {
    int now = ++concurrent_;
    for (int seen = max_concurrent_;
         now > seen && !max_concurrent_.compare_exchange_weak(seen, now);) {
    }
    Io io{fd, nullptr};
    if (tls_) {
      io.ssl = SSL_new(tls_);
      SSL_set_fd(io.ssl, fd);
      if (SSL_accept(io.ssl) == 1) on_connection_(io);
      SSL_free(io.ssl);
    } else {
      on_connection_(io);
    }
    --concurrent_;
    std::lock_guard lock(mutex_);
    ::shutdown(fd, SHUT_RDWR);
    std::erase(open_fds_, fd);
    ::close(fd);
  }

  OnConnection on_connection_;
  SSL_CTX* tls_;
  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0}, concurrent_{0}, max_concurrent_{0};
  std::mutex mutex_;
  std::vector<int> open_fds_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

std::string ok(const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra +
         "\r\n" + body;
}

std::string path_of(const std::string& head) {
  auto sp = head.find(' ');
  return head.substr(sp + 1, head.find(' ', sp + 1) - sp - 1);
}

// Serves requests on a connection with fixed answers by path; counts requests. An empty answer
// closes the connection; `drop` closes it after every answer (without saying so).
struct Site {
  std::atomic<int> requests{0};
  std::mutex mutex;
  std::vector<std::string> heads;
  bool drop = false;
  std::chrono::milliseconds delay{0};

  std::string answer(const std::string& path, int port) {
    if (path == "/hello") return ok("hello world", "X-Test: a\r\nX-Test: b\r\n");
    if (path == "/r1") return "HTTP/1.1 302 Found\r\nLocation: r2\r\nContent-Length: 0\r\n\r\n";
    if (path == "/r2")
      return "HTTP/1.1 301 Moved\r\nLocation: http://127.0.0.1:" + std::to_string(port) +
             "/final?x=1\r\nContent-Length: 0\r\n\r\n";
    if (path == "/final?x=1") return ok("landed");
    if (path == "/loop")
      return "HTTP/1.1 307 Again\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n";
    if (path == "/chunked")
      return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
             "7;ext=1\r\n, chunk\r\n1\r\ny\r\n0\r\n\r\n";
    if (path == "/silent") {
      std::this_thread::sleep_for(1s);
      return "";
    }
    if (path.starts_with("/n/")) return ok("file " + path.substr(3));
    return "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found";
  }

  Server::OnConnection handler(const int& port) {
    return [this, &port](const Io& io) {
      std::string pending, head;
      while (read_head(io, pending, head)) {
        ++requests;
        {
          std::lock_guard lock(mutex);
          heads.push_back(head);
        }
        if (delay.count()) std::this_thread::sleep_for(delay);
        auto a = answer(path_of(head), port);
        if (a.empty() || !io.write(a) || drop) return;
      }
    };
  }
};

// A site and its server.
struct Fixture {
  Site site;
  int port = 0;
  std::unique_ptr<Server> server;
  explicit Fixture(SSL_CTX* tls = nullptr) {
    server = std::make_unique<Server>(site.handler(port), tls);
    port = server->port();
  }
};

ClientOptions quick() {
  ClientOptions o;
  o.proxy = ProxyConfig{};
  o.connect_timeout = 5s;
  o.read_timeout = 5s;
  return o;
}

// A test CA, a server certificate for "localhost" only (no IP name) and a second, unrelated CA.
struct Pki {
  fs::path dir;
  SSL_CTX* server = nullptr;
  Pki() {
    ::signal(SIGPIPE, SIG_IGN);  // the server writing to a client that gave up
    std::string tmpl = (fs::temp_directory_path() / "mpytool-http-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    std::ofstream(dir / "ext.cnf") << "subjectAltName=DNS:localhost\n";
    auto d = dir.string();
    auto key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    std::string cmd =
        "cd '" + d + "' && openssl req -x509" + key + "-keyout ca.key -out ca.pem -days 2 " +
        "-subj /CN=mpytool-test-ca && openssl req -x509" + key +
        "-keyout other.key -out other.pem -days 2 -subj /CN=other-ca && openssl req" + key +
        "-keyout srv.key -out srv.csr -subj /CN=localhost && openssl x509 -req -in srv.csr " +
        "-CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext.cnf";
    BOOST_REQUIRE(std::system(("(" + cmd + ") >/dev/null 2>&1").c_str()) == 0);
    server = SSL_CTX_new(TLS_server_method());
    BOOST_REQUIRE(SSL_CTX_use_certificate_chain_file(server, (dir / "srv.pem").c_str()) == 1);
    BOOST_REQUIRE(
        SSL_CTX_use_PrivateKey_file(server, (dir / "srv.key").c_str(), SSL_FILETYPE_PEM) == 1);
  }
  ~Pki() {
    SSL_CTX_free(server);
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string ca() const { return (dir / "ca.pem").string(); }
  std::string other() const { return (dir / "other.pem").string(); }
};

// Relays bytes both ways between two sockets until one side closes.
void relay(int a, int b) {
  pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  char buf[16384];
  for (;;) {
    if (::poll(fds, 2, 10000) <= 0) return;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      long n = ::recv(fds[i].fd, buf, sizeof buf, 0);
      if (n <= 0 || ::send(fds[1 - i].fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n)
        return;
    }
  }
}

// A proxy stand-in: CONNECT to a local port opens a tunnel; an absolute-form GET is answered
// "proxied <url>". Records each request line.
struct Proxy {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::vector<std::string> heads;
  std::unique_ptr<Server> server;
  Proxy() {
    server = std::make_unique<Server>([this](const Io& io) {
      std::string pending, head;
      while (read_head(io, pending, head)) {
        auto line = head.substr(0, head.find("\r\n"));
        {
          std::lock_guard lock(mutex);
          lines.push_back(line);
          heads.push_back(head);
        }
        if (line.starts_with("CONNECT ")) {
          auto target = path_of(head);
          int port = std::stoi(target.substr(target.rfind(':') + 1));
          int up = connect_local(port);
          if (up < 0) {
            io.write("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            return;
          }
          io.write("HTTP/1.1 200 Connection established\r\n\r\n");
          relay(io.fd, up);
          ::close(up);
          return;
        }
        if (!io.write(ok("proxied " + path_of(head)))) return;
      }
    });
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
  std::string url(const std::string& credentials) const {
    return "http://" + credentials + "@127.0.0.1:" + std::to_string(server->port());
  }
  std::vector<std::string> seen_heads() {
    std::lock_guard lock(mutex);
    return heads;
  }
  std::vector<std::string> seen() {
    std::lock_guard lock(mutex);
    return lines;
  }
};

template <class E>
std::function<bool(const E&)> says(const std::string& text) {
  return [text](const E& e) {
    BOOST_TEST_MESSAGE(e.what());
    return std::string(e.what()).find(text) != std::string::npos;
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_test)

BOOST_AUTO_TEST_CASE(get_returns_status_headers_body) {
  Fixture f;
  Client c(quick());
  auto r = c.get(f.server->url("/hello"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.ok());
  BOOST_TEST(r.body == "hello world");
  BOOST_TEST(r.headers.at("x-test") == "a, b");
  BOOST_TEST(r.headers.at("content-length") == "11");
  BOOST_TEST(r.url == f.server->url("/hello"));
  std::lock_guard lock(f.site.mutex);
  BOOST_REQUIRE(f.site.heads.size() == 1u);
  BOOST_TEST(f.site.heads[0].starts_with("GET /hello HTTP/1.1\r\n"));
  BOOST_TEST(f.site.heads[0].find("Host: 127.0.0.1:" + std::to_string(f.port)) !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(keep_alive_reuses_one_connection) {
  Fixture f;
  Client c(quick());
  for (int i = 0; i < 6; ++i)
    BOOST_TEST(c.get(f.server->url("/n/" + std::to_string(i))).body == "file " + std::to_string(i));
  BOOST_TEST(f.site.requests == 6);
  BOOST_TEST(f.server->accepted() == 1);
  BOOST_TEST(c.connections_opened() == 1u);
}

BOOST_AUTO_TEST_CASE(a_connection_the_server_dropped_is_replaced) {
  Fixture f;
  f.site.drop = true;
  Client c(quick());
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(c.get(f.server->url("/hello")).body == "hello world");
    std::this_thread::sleep_for(50ms);  // the server's close reaches the client
  }
  BOOST_TEST(f.server->accepted() == 3);
}

BOOST_AUTO_TEST_CASE(follows_redirects) {
  Fixture f;
  Client c(quick());
  auto r = c.get(f.server->url("/r1"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == "landed");
  BOOST_TEST(r.url == f.server->url("/final?x=1"));
  BOOST_TEST(f.server->accepted() == 1);
  BOOST_CHECK_EXCEPTION(c.get(f.server->url("/loop")), mpytool::ConnError,
                        says<mpytool::ConnError>("too many redirects (more than 5) fetching '"));
  BOOST_TEST(f.site.requests == 3 + 6);
}

BOOST_AUTO_TEST_CASE(a_404_is_a_response) {
  Fixture f;
  Client c(quick());
  auto r = c.get(f.server->url("/missing"));
  BOOST_TEST(r.status == 404);
  BOOST_TEST(!r.ok());
  BOOST_TEST(r.body == "not found");
}

BOOST_AUTO_TEST_CASE(chunked_bodies_are_joined) {
  Fixture f;
  Client c(quick());
  BOOST_TEST(c.get(f.server->url("/chunked")).body == "hello, chunky");
  BOOST_TEST(c.get(f.server->url("/hello")).body == "hello world");  // the connection lives on
  BOOST_TEST(f.server->accepted() == 1);
}

BOOST_AUTO_TEST_CASE(get_all_uses_at_most_parallel_connections) {
  Fixture f;
  f.site.delay = 20ms;
  Client c(quick());
  std::vector<std::string> urls;
  for (int i = 0; i < 20; ++i) urls.push_back(f.server->url("/n/" + std::to_string(i)));
  urls.push_back(f.server->url("/missing"));
  std::vector<std::size_t> done;
  auto results = c.get_all(urls, 4, [&](std::size_t d, std::size_t total, const std::string&) {
    BOOST_TEST(total == 21u);
    done.push_back(d);
  });
  BOOST_REQUIRE(results.size() == 21u);
  for (int i = 0; i < 20; ++i)
    BOOST_TEST(value_or_throw(results[i]).body == "file " + std::to_string(i));
  BOOST_TEST(value_or_throw(results[20]).status == 404);
  BOOST_TEST(done.size() == 21u);
  BOOST_TEST(done.back() == 21u);
  BOOST_TEST(f.server->accepted() <= 4);
  BOOST_TEST(f.server->accepted() >= 2);  // it did go parallel
  BOOST_TEST(f.server->max_concurrent() <= 4);
}

BOOST_AUTO_TEST_CASE(get_all_keeps_each_error_apart) {
  Fixture f;
  unsigned short dead_port = 0;
  ::close(mpytool::testing::listen_loopback(dead_port));
  Client c(quick());
  auto dead = "http://127.0.0.1:" + std::to_string(dead_port) + "/x";
  auto results = c.get_all({f.server->url("/hello"), dead, f.server->url("/n/2")}, 2);
  BOOST_TEST(value_or_throw(results[0]).body == "hello world");
  BOOST_CHECK_EXCEPTION(
      value_or_throw(results[1]), mpytool::ConnError,
      says<mpytool::ConnError>("cannot connect to 127.0.0.1:" + std::to_string(dead_port) +
                               ": connection refused"));
  BOOST_TEST(value_or_throw(results[2]).body == "file 2");
  BOOST_CHECK_THROW(c.get("ftp://x/y"), mpytool::UsageError);
}

BOOST_AUTO_TEST_CASE(a_silent_server_times_out) {
  Fixture f;
  auto o = quick();
  o.read_timeout = 300ms;
  Client c(o);
  BOOST_CHECK_EXCEPTION(c.get(f.server->url("/silent")), mpytool::Timeout,
                        says<mpytool::Timeout>("no answer from 127.0.0.1:" +
                                               std::to_string(f.port) + " within 0.3 s"));
}

BOOST_AUTO_TEST_CASE(https_with_the_test_ca) {
  Pki pki;
  Fixture f(pki.server);
  auto o = quick();
  o.ca_file = pki.ca();
  Client c(o);
  auto r = c.get(f.server->url("/hello", "localhost"));
  BOOST_TEST(r.body == "hello world");
  BOOST_TEST(c.get(f.server->url("/chunked", "localhost")).body == "hello, chunky");
  BOOST_TEST(f.server->accepted() == 1);

  // The MPYTOOL_CA_FILE seam.
  ::setenv("MPYTOOL_CA_FILE", pki.ca().c_str(), 1);
  Client from_env(quick());
  ::unsetenv("MPYTOOL_CA_FILE");
  BOOST_TEST(from_env.get(f.server->url("/n/1", "localhost")).body == "file 1");
}

BOOST_AUTO_TEST_CASE(https_refuses_a_wrong_ca_and_a_wrong_name) {
  Pki pki;
  Fixture f(pki.server);
  auto o = quick();
  o.ca_file = pki.other();
  Client wrong_ca(o);
  BOOST_CHECK_EXCEPTION(wrong_ca.get(f.server->url("/hello", "localhost")), mpytool::ConnError,
                        says<mpytool::ConnError>("certificate verify failed for localhost: "));
  o.ca_file = pki.ca();
  Client right_ca(o);
  BOOST_CHECK_EXCEPTION(
      right_ca.get(f.server->url("/hello", "127.0.0.1")), mpytool::ConnError,
      says<mpytool::ConnError>(
          "certificate verify failed for 127.0.0.1: the certificate does not name '127.0.0.1'"));
  o.ca_file = (pki.dir / "absent.pem").string();
  BOOST_CHECK_EXCEPTION(Client{o}, mpytool::ConnError,
                        says<mpytool::ConnError>("absent.pem': no such file or directory"));
  o.ca_file = (pki.dir / "ext.cnf").string();
  BOOST_CHECK_EXCEPTION(Client{o}, mpytool::ConnError,
                        says<mpytool::ConnError>("ext.cnf': no PEM certificate in it"));
}

BOOST_AUTO_TEST_CASE(https_through_a_connect_proxy_and_no_proxy) {
  Pki pki;
  Fixture f(pki.server);
  Proxy proxy;
  auto o = quick();
  o.ca_file = pki.ca();
  o.proxy.https = proxy.url();
  Client c(o);
  BOOST_TEST(c.get(f.server->url("/hello", "localhost")).body == "hello world");
  BOOST_TEST(c.get(f.server->url("/n/3", "localhost")).body == "file 3");
  auto lines = proxy.seen();
  BOOST_REQUIRE(lines.size() == 1u);  // one tunnel, kept alive
  BOOST_TEST(lines[0] == "CONNECT localhost:" + std::to_string(f.port) + " HTTP/1.1");

  o.proxy.no_proxy = "example.org, LOCALHOST";
  Client bypass(o);
  BOOST_TEST(bypass.get(f.server->url("/hello", "localhost")).body == "hello world");
  BOOST_TEST(proxy.seen().size() == 1u);

  // The environment, as a Client made with the default options reads it.
  ::setenv("https_proxy", proxy.url().c_str(), 1);
  ::setenv("MPYTOOL_CA_FILE", pki.ca().c_str(), 1);
  ::unsetenv("no_proxy");
  ::unsetenv("NO_PROXY");
  Client from_env;
  ::unsetenv("https_proxy");
  ::unsetenv("MPYTOOL_CA_FILE");
  BOOST_TEST(from_env.get(f.server->url("/hello", "localhost")).body == "hello world");
  BOOST_TEST(proxy.seen().size() == 2u);
  BOOST_TEST(proxy.seen_heads()[0].find("Proxy-Authorization") == std::string::npos);

  // Credentials in the proxy URL: Basic, percent-decoded, to the proxy only.
  o.proxy.no_proxy.clear();
  o.proxy.https = proxy.url("user:p%40ss");
  Client with_credentials(o);
  BOOST_TEST(with_credentials.get(f.server->url("/hello", "localhost")).body == "hello world");
  auto heads = proxy.seen_heads();
  BOOST_REQUIRE(heads.size() == 3u);
  BOOST_TEST(heads[2].find("\r\nProxy-Authorization: Basic dXNlcjpwQHNz\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(http_through_a_proxy_names_the_whole_url) {
  Fixture f;
  Proxy proxy;
  auto o = quick();
  o.proxy.http = proxy.url();
  Client c(o);
  auto url = f.server->url("/hello", "localhost");
  BOOST_TEST(c.get(url).body == "proxied " + url);
  BOOST_TEST(proxy.seen().at(0) == "GET " + url + " HTTP/1.1");
  BOOST_TEST(f.site.requests == 0);

  o.proxy.http = proxy.url("user:p%40ss");
  Client with_credentials(o);
  BOOST_TEST(with_credentials.get(url).body == "proxied " + url);
  BOOST_TEST(proxy.seen_heads().at(1).find("\r\nProxy-Authorization: Basic dXNlcjpwQHNz\r\n") !=
             std::string::npos);
  BOOST_TEST(f.site.requests == 0);
}

BOOST_AUTO_TEST_SUITE_END()
