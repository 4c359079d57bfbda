// SPDX-License-Identifier: MIT
// The only translation unit holding Beast: connections, requests, the pool, get_all().
//
// Each connection owns its io_context and is driven synchronously (start one async operation,
// run the io_context until it completes): Beast's tcp_stream gives every step its deadline, and
// a connection runs on whichever thread holds it. get_all() is a few worker threads each doing
// blocking get()s: one code path, one error per URL, TLS handshakes on several cores.
#include "mpytool/http/client.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "mpytool/base/error.hpp"
#include "mpytool/http/url.hpp"

namespace mpytool::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

namespace {

std::string reason(const error_code& ec) {
  if (ec == beast::error::timeout) return "timed out";
  auto text = ec.message();
  if (!text.empty() && !(text.size() > 1 && std::isupper(static_cast<unsigned char>(text[1]))))
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string seconds(std::chrono::milliseconds ms) {
  return fmt::format("{:g} s", static_cast<double>(ms.count()) / 1000.0);
}

bool is_address(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// "Basic base64(user:password)" for a proxy URL's percent-encoded user information.
std::string basic_credentials(const std::string& userinfo) {
  std::string plain;
  for (std::size_t i = 0; i < userinfo.size(); ++i) {
    if (userinfo[i] == '%' && i + 2 < userinfo.size() &&
        std::isxdigit(static_cast<unsigned char>(userinfo[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(userinfo[i + 2]))) {
      plain += static_cast<char>(std::stoi(userinfo.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      plain += userinfo[i];
    }
  }
  std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(plain.data()),
                          static_cast<int>(plain.size()));
  out.resize(static_cast<std::size_t>(n));
  return "Basic " + out;
}

// One connection to an origin (or to a proxy, for http:// through it, or a tunnel through it).
struct Connection {
  asio::io_context ioc;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<ssl::stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::string key;
  std::string name;            // "host:port" of the origin, for messages
  bool absolute_form = false;  // http:// through a proxy: the request names the whole URL
  std::string proxy_auth;      // its Proxy-Authorization, "" none
  bool host_mismatch = false;  // the TLS verify callback found the name does not match

  beast::tcp_stream& tcp() { return tls ? tls->next_layer() : *plain; }

  // Starts an asynchronous operation and runs the io_context until it completes.
  template <class Start>
  error_code run(Start&& start) {
    error_code result;
    ioc.restart();
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.run();
    return result;
  }
};

}  // namespace

struct Client::Impl {
  ClientOptions options;
  ssl::context ctx{ssl::context::tls_client};
  std::mutex mutex;
  std::multimap<std::string, std::unique_ptr<Connection>> idle;
  std::atomic<std::size_t> opened{0};

  explicit Impl(ClientOptions o) : options(std::move(o)) {
    ctx.set_verify_mode(ssl::verify_peer);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3);
    auto ca = options.ca_file;
    if (ca.empty())
      if (const char* env = std::getenv("MPYTOOL_CA_FILE")) ca = env;
    error_code ec;
    if (ca.empty())
      ctx.set_default_verify_paths(ec);
    else
      ctx.load_verify_file(ca, ec);
    if (!ec) return;
    if (ca.empty()) throw ConnError(fmt::format("cannot load the system CA store: {}", reason(ec)));
    if (std::ifstream file(ca); !file)
      throw ConnError(fmt::format("cannot load CA file '{}': {}", ca, host_error_text(errno)));
    throw ConnError(fmt::format("cannot load CA file '{}': no PEM certificate in it", ca));
  }

  std::unique_ptr<Connection> acquire(const std::string& key) {
    std::lock_guard lock(mutex);
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto conn = std::move(it->second);
    idle.erase(it);
    return conn;
  }

  void release(std::unique_ptr<Connection> conn) {
    std::lock_guard lock(mutex);
    auto key = conn->key;
    idle.emplace(std::move(key), std::move(conn));
  }

  void tcp_connect(Connection& c, beast::tcp_stream& stream, const Url& to,
                   const std::string& what) {
    tcp::resolver resolver(c.ioc);
    tcp::resolver::results_type endpoints;
    error_code ec;
    bool done = false;
    c.ioc.restart();
    resolver.async_resolve(to.host, to.port, [&](error_code e, tcp::resolver::results_type r) {
      ec = e;
      endpoints = std::move(r);
      done = true;
    });
    c.ioc.run_for(options.connect_timeout);
    if (!done) {
      resolver.cancel();
      c.ioc.restart();
      c.ioc.run();
      ec = beast::error::timeout;
    }
    if (ec) throw ConnError(fmt::format("cannot connect to {}: {}", what, reason(ec)));
    stream.expires_after(options.connect_timeout);
    ec = c.run([&](auto h) { stream.async_connect(endpoints, std::move(h)); });
    if (ec) throw ConnError(fmt::format("cannot connect to {}: {}", what, reason(ec)));
  }

  std::unique_ptr<Connection> open(const Url& url, const std::optional<Url>& proxy,
                                   const std::string& key) {
    auto c = std::make_unique<Connection>();
    c->key = key;
    c->name = url.authority();
    auto via = proxy ? fmt::format(" through proxy {}", proxy->authority()) : std::string();
    if (url.scheme == "http") {
      c->plain = std::make_unique<beast::tcp_stream>(c->ioc);
      c->absolute_form = proxy.has_value();
      if (proxy && !proxy->userinfo.empty()) c->proxy_auth = basic_credentials(proxy->userinfo);
      tcp_connect(*c, *c->plain, proxy ? *proxy : url,
                  proxy ? fmt::format("proxy {}", proxy->authority()) : c->name);
      ++opened;
      return c;
    }
    c->tls = std::make_unique<ssl::stream<beast::tcp_stream>>(c->ioc, ctx);
    auto& tcp = c->tls->next_layer();
    if (proxy) {
      tcp_connect(*c, tcp, *proxy, fmt::format("proxy {}", proxy->authority()));
      bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, url.authority(), 11};
      req.set(bhttp::field::host, url.authority());
      req.set(bhttp::field::user_agent, options.user_agent);
      if (!proxy->userinfo.empty())
        req.set(bhttp::field::proxy_authorization, basic_credentials(proxy->userinfo));
      bhttp::response_parser<bhttp::empty_body> parser;
      parser.skip(true);  // a 2xx answer to CONNECT has no body, whatever its headers say
      tcp.expires_after(options.connect_timeout);
      auto ec = c->run([&](auto h) { bhttp::async_write(tcp, req, std::move(h)); });
      if (!ec)
        ec = c->run([&](auto h) { bhttp::async_read(tcp, c->buffer, parser, std::move(h)); });
      if (ec) throw ConnError(fmt::format("cannot connect to {}{}: {}", c->name, via, reason(ec)));
      auto status = parser.get().result_int();
      if (status / 100 != 2)
        throw ConnError(fmt::format("cannot connect to {}{}: the proxy answered {} {}", c->name,
                                    via, status, std::string(parser.get().reason())));
      c->buffer.clear();
    } else {
      tcp_connect(*c, tcp, url, c->name);
    }
    if (!is_address(url.host)) SSL_set_tlsext_host_name(c->tls->native_handle(), url.host.c_str());
    c->tls->set_verify_callback([conn = c.get(), check = ssl::host_name_verification(url.host)](
                                    bool preverified, ssl::verify_context& vctx) mutable {
      if (!preverified) return false;
      bool ok = check(preverified, vctx);
      if (!ok) conn->host_mismatch = true;
      return ok;
    });
    tcp.expires_after(options.connect_timeout);
    auto ec =
        c->run([&](auto h) { c->tls->async_handshake(ssl::stream_base::client, std::move(h)); });
    if (ec) {
      auto verify = SSL_get_verify_result(c->tls->native_handle());
      if (c->host_mismatch)
        throw ConnError(
            fmt::format("certificate verify failed for {}: the certificate does not "
                        "name '{}'",
                        url.host, url.host));
      if (verify != X509_V_OK)
        throw ConnError(fmt::format("certificate verify failed for {}: {}", url.host,
                                    X509_verify_cert_error_string(verify)));
      throw ConnError(fmt::format("TLS handshake with {}{} failed: {}", c->name, via, reason(ec)));
    }
    ++opened;
    return c;
  }

  // Sends the request and reads its response on \p c. Returns nullopt when a reused connection
  // turned out closed before any of the answer came (the caller opens a new one).
  std::optional<Response> exchange(Connection& c, const Url& url, bool reused, bool& keep) {
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get,
                                          c.absolute_form ? url.str() : url.target, 11};
    req.set(bhttp::field::host, url.host_header());
    req.set(bhttp::field::user_agent, options.user_agent);
    req.set(bhttp::field::accept, "*/*");
    if (!c.proxy_auth.empty()) req.set(bhttp::field::proxy_authorization, c.proxy_auth);
    req.keep_alive(true);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_body);
    auto& tcp = c.tcp();
    auto with_stream = [&](auto&& f) { return c.tls ? f(*c.tls) : f(*c.plain); };
    tcp.expires_after(options.read_timeout);
    auto ec = with_stream(
        [&](auto& s) { return c.run([&](auto h) { bhttp::async_write(s, req, std::move(h)); }); });
    while (!ec && !parser.is_done()) {
      tcp.expires_after(options.read_timeout);
      ec = with_stream([&](auto& s) {
        return c.run([&](auto h) { bhttp::async_read_some(s, c.buffer, parser, std::move(h)); });
      });
    }
    if (ec) {
      if (reused && !parser.got_some() && ec != beast::error::timeout) return std::nullopt;
      if (ec == beast::error::timeout)
        throw Timeout(
            fmt::format("no answer from {} within {}", c.name, seconds(options.read_timeout)));
      if (ec == bhttp::error::body_limit)
        throw ConnError(
            fmt::format("the answer of {} exceeds {} bytes", url.str(), options.max_body));
      throw ConnError(fmt::format("cannot read from {}: {}", c.name, reason(ec)));
    }
    auto& res = parser.get();
    keep = res.keep_alive() && !res.need_eof();
    Response out;
    out.status = static_cast<int>(res.result_int());
    out.url = url.str();
    for (const auto& field : res) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      auto [it, fresh] = out.headers.emplace(name, std::string(field.value()));
      if (!fresh) it->second += ", " + std::string(field.value());
    }
    out.body = std::move(res.body());
    return out;
  }

  Response get_once(const Url& url) {
    auto proxy = options.proxy.proxy_for(url);
    auto key = url.scheme + "://" + url.authority() + (proxy ? " via " + proxy->authority() : "");
    for (int attempt = 0;; ++attempt) {
      auto conn = attempt == 0 ? acquire(key) : nullptr;
      bool reused = conn != nullptr;
      if (!conn) conn = open(url, proxy, key);
      bool keep = false;
      auto res = exchange(*conn, url, reused, keep);
      if (!res) continue;  // a stale pooled connection: once more on a new one
      if (keep) release(std::move(conn));
      return std::move(*res);
    }
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;

std::size_t Client::connections_opened() const noexcept { return impl_->opened.load(); }

void Client::close_idle() {
  std::lock_guard lock(impl_->mutex);
  impl_->idle.clear();
}

Response Client::get(const std::string& url_text) {
  auto url = parse_url(url_text);
  for (int redirects = 0;; ++redirects) {
    auto res = impl_->get_once(url);
    bool redirect = res.status == 301 || res.status == 302 || res.status == 303 ||
                    res.status == 307 || res.status == 308;
    auto location = res.headers.find("location");
    if (!redirect || location == res.headers.end()) return res;
    if (redirects == impl_->options.max_redirects)
      throw ConnError(fmt::format("too many redirects (more than {}) fetching '{}'",
                                  impl_->options.max_redirects, url_text));
    url = parse_url(join_url(url.str(), location->second));
  }
}

std::vector<FetchResult> Client::get_all(const std::vector<std::string>& urls, int parallel,
                                         const FetchProgress& progress) {
  std::vector<FetchResult> results(urls.size());
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  std::mutex progress_mutex;
  auto work = [&] {
    for (;;) {
      auto i = next++;
      if (i >= urls.size()) return;
      try {
        results[i] = get(urls[i]);
      } catch (...) {
        results[i] = std::current_exception();
      }
      std::lock_guard lock(progress_mutex);
      ++done;
      if (progress) progress(done, urls.size(), urls[i]);
    }
  };
  auto workers =
      std::min<std::size_t>(static_cast<std::size_t>(std::max(parallel, 1)), urls.size());
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < workers; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  return results;
}

const Response& value_or_throw(const FetchResult& result) {
  if (auto* e = std::get_if<std::exception_ptr>(&result)) std::rethrow_exception(*e);
  return std::get<Response>(result);
}

}  // namespace mpytool::http
