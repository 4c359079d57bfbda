// SPDX-License-Identifier: MIT
// http(s) URLs: parsing, default ports, refusals, joining references (RFC 3986 §5.2), and the
// proxy choice (http_proxy, https_proxy, no_proxy).
#include "mpytool/http/url.hpp"

#include <stdlib.h>

#include <boost/test/unit_test.hpp>

#include "mpytool/base/error.hpp"
#include "mpytool/http/proxy.hpp"

using namespace mpytool::http;

BOOST_AUTO_TEST_SUITE(url_test)

BOOST_AUTO_TEST_CASE(parses_scheme_host_port_target) {
  auto u = parse_url("https://micropython.org/pi/v2/index.json");
  BOOST_TEST(u.scheme == "https");
  BOOST_TEST(u.host == "micropython.org");
  BOOST_TEST(u.port == "443");
  BOOST_TEST(u.target == "/pi/v2/index.json");
  BOOST_TEST(u.str() == "https://micropython.org/pi/v2/index.json");
  BOOST_TEST(u.authority() == "micropython.org:443");

  auto p = parse_url("HTTP://User:pw@LocalHost:8080?x=1#frag");
  BOOST_TEST(p.scheme == "http");
  BOOST_TEST(p.host == "localhost");
  BOOST_TEST(p.port == "8080");
  BOOST_TEST(p.target == "/?x=1");
  BOOST_TEST(p.userinfo == "User:pw");
  BOOST_TEST(p.str() == "http://localhost:8080/?x=1");
  BOOST_TEST(p.host_header() == "localhost:8080");
  BOOST_TEST(parse_url("http://h").target == "/");
  BOOST_TEST(parse_url("http://h:80/a").host_header() == "h");

  auto v6 = parse_url("http://[::1]:81/a");
  BOOST_TEST(v6.host == "::1");
  BOOST_TEST(v6.authority() == "[::1]:81");
  BOOST_TEST(v6.str() == "http://[::1]:81/a");
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_http) {
  for (const char* bad : {"ftp://h/x", "github:org/repo", "/local/path", "http:/x", "http://",
                          "http://h:0/", "http://h:99999/", "http://h:x/", "https://:443/"}) {
    BOOST_CHECK_EXCEPTION(parse_url(bad), mpytool::UsageError, [&](const mpytool::UsageError& e) {
      return std::string(e.what()) == std::string("not an http(s) URL: '") + bad + "'";
    });
  }
}

BOOST_AUTO_TEST_CASE(joins_references) {
  const std::string base = "https://h.org/pi/v2/package/6/aioble/latest.json?x=1";
  BOOST_TEST(join_url(base, "http://other/x") == "http://other/x");
  BOOST_TEST(join_url(base, "//cdn.org/a") == "https://cdn.org/a");
  BOOST_TEST(join_url(base, "/file/ab/abcd1234") == "https://h.org/file/ab/abcd1234");
  BOOST_TEST(join_url(base, "core.py") == "https://h.org/pi/v2/package/6/aioble/core.py");
  BOOST_TEST(join_url(base, "./sub/c.py") == "https://h.org/pi/v2/package/6/aioble/sub/c.py");
  BOOST_TEST(join_url(base, "../../../file/ab/x") == "https://h.org/pi/v2/file/ab/x");
  BOOST_TEST(join_url(base, "../../../../../../../x") == "https://h.org/x");
  BOOST_TEST(join_url(base, "..") == "https://h.org/pi/v2/package/6/");
  BOOST_TEST(join_url(base, "?y=2") == "https://h.org/pi/v2/package/6/aioble/latest.json?y=2");
  BOOST_TEST(join_url(base, "") == base);
  BOOST_TEST(join_url("http://h:8080", "a/b") == "http://h:8080/a/b");
  BOOST_TEST(join_url("http://h/a/b/", "c#frag") == "http://h/a/b/c");
  BOOST_CHECK_THROW(join_url("github:x/y", "a"), mpytool::UsageError);
}

BOOST_AUTO_TEST_CASE(no_proxy_matches_hosts_and_suffixes) {
  ProxyConfig c;
  c.no_proxy = " localhost, .example.com,10.0.0.1 ,intra:8080,[::1]";
  BOOST_TEST(c.bypasses("localhost"));
  BOOST_TEST(c.bypasses("example.com"));
  BOOST_TEST(c.bypasses("pkg.EXAMPLE.com"));
  BOOST_TEST(!c.bypasses("badexample.com"));
  BOOST_TEST(c.bypasses("10.0.0.1"));
  BOOST_TEST(!c.bypasses("10.0.0.10"));
  BOOST_TEST(c.bypasses("intra"));
  BOOST_TEST(c.bypasses("::1"));
  BOOST_TEST(!c.bypasses("micropython.org"));
  c.no_proxy = "*";
  BOOST_TEST(c.bypasses("anything"));
  c.no_proxy = "";
  BOOST_TEST(!c.bypasses("localhost"));
}

BOOST_AUTO_TEST_CASE(proxy_for_picks_by_scheme) {
  ProxyConfig c;
  c.http = "proxy:3128";
  c.https = "http://sproxy:8080/";
  c.no_proxy = "local.lan";
  auto p = c.proxy_for(parse_url("http://micropython.org/x"));
  BOOST_REQUIRE(p);
  BOOST_TEST(p->authority() == "proxy:3128");
  auto s = c.proxy_for(parse_url("https://micropython.org/x"));
  BOOST_REQUIRE(s);
  BOOST_TEST(s->authority() == "sproxy:8080");
  BOOST_TEST(!c.proxy_for(parse_url("https://pkg.local.lan/x")));
  c.https = "https://sproxy";
  BOOST_CHECK_THROW(c.proxy_for(parse_url("https://a/")), mpytool::UsageError);
  c.https = "";
  BOOST_TEST(!c.proxy_for(parse_url("https://a/")));
}

BOOST_AUTO_TEST_CASE(environment_lower_case_wins) {
  ::setenv("https_proxy", "http://lower:1", 1);
  ::setenv("HTTPS_PROXY", "http://upper:2", 1);
  ::setenv("http_proxy", "http://plain:3", 1);
  ::setenv("NO_PROXY", "upper.only", 1);
  ::unsetenv("no_proxy");
  auto c = ProxyConfig::from_environment();
  BOOST_TEST(c.https == "http://lower:1");
  BOOST_TEST(c.http == "http://plain:3");
  BOOST_TEST(c.no_proxy == "upper.only");
  ::unsetenv("https_proxy");
  BOOST_TEST(ProxyConfig::from_environment().https == "http://upper:2");
  ::setenv("https_proxy", "", 1);  // set but empty: no proxy, as curl
  BOOST_TEST(ProxyConfig::from_environment().https == "");
  for (const char* v : {"https_proxy", "HTTPS_PROXY", "http_proxy", "NO_PROXY"}) ::unsetenv(v);
}

BOOST_AUTO_TEST_SUITE_END()
