// SPDX-License-Identifier: MIT
// Fetching a plan's files: from a host index, over the in-process HTTP server (every file of
// the plan at once, over kept-alive connections), checked against the index hash; the cache
// filled and used first; the cache standing in when the server is gone; 404 and other statuses.
#include "mpytool/mip/fetch.hpp"

#include <boost/test/unit_test.hpp>

#include "mip_fixtures.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/http/client.hpp"
#include "mpytool/mip/cache.hpp"
#include "mpytool/mip/resolve.hpp"

using namespace mpytool::mip;
using mip_test::DirServer;
using mip_test::Index;
using mip_test::says;
using mip_test::TempDir;

BOOST_AUTO_TEST_SUITE(fetch_test)

BOOST_AUTO_TEST_CASE(host_index_files_are_read_and_checked) {
  TempDir t;
  Index ix(t.path);
  ix.package("6", "a", "1", {{"a/__init__.py", "hello"}, {"a/x.py", "x = 1\n"}});
  ResolveOptions o;
  o.indexes = {t.str()};
  o.cache_dir = "-";
  o.offline = true;
  Plan p = resolve({"a"}, o);
  fetch_files(p, o);
  const auto& f = p.packages[0].files;
  BOOST_TEST(f[0].data == "hello");
  BOOST_TEST(f[0].sha256 == sha256_hex("hello"));
  BOOST_TEST(f[0].fetched);
  BOOST_TEST(f[1].data == "x = 1\n");
  // A file whose content is not what the index says.
  mip_test::spit(t.path / "file" / ix.file("hello").substr(0, 2) / ix.file("hello"), "HELLO");
  p = resolve({"a"}, o);
  BOOST_CHECK_EXCEPTION(
      fetch_files(p, o), mpytool::MpyError,
      says<mpytool::MpyError>("hash mismatch for a/__init__.py from " + p.packages[0].files[0].url +
                              ": expected " + ix.file("hello") + ", got " +
                              sha256_hex("HELLO").substr(0, 8)));
}

BOOST_AUTO_TEST_CASE(http_files_at_once_cached_then_from_the_cache) {
  TempDir t, cache;
  Index ix(t.path);
  std::vector<std::pair<std::string, std::string>> files;
  for (int i = 0; i < 12; ++i) {
    files.emplace_back("m" + std::to_string(i) + ".py", "v = " + std::to_string(i) + "\n");
  }
  ix.package("6", "many", "1", files);
  DirServer server(t.path);
  ResolveOptions o;
  o.indexes = {server.url()};
  o.cache_dir = cache.str();
  o.parallel = 3;
  o.client = std::make_shared<mpytool::http::Client>();
  std::size_t last_total = 0;
  o.progress = [&](std::size_t, std::size_t total, const std::string&) { last_total = total; };
  Plan p = resolve({"many"}, o);
  fetch_files(p, o);
  BOOST_TEST(last_total == 12u);
  BOOST_TEST(server.requests_for("/file/") == 12);
  BOOST_TEST(o.client->connections_opened() <= 3u);  // keep-alive, at most `parallel`
  for (std::size_t i = 0; i < 12; ++i) BOOST_TEST(p.packages[0].files[i].data == files[i].second);
  // The second time every file is in the cache: no file request.
  Plan again = resolve({"many"}, o);
  fetch_files(again, o);
  BOOST_TEST(server.requests_for("/file/") == 12);
  BOOST_TEST(again.packages[0].files[5].data == files[5].second);
  // A damaged cache entry is not used: the file is fetched again.
  const std::string sha = sha256_hex(files[5].second);
  mip_test::spit(cache.path / "files" / sha.substr(0, 2) / sha, "damaged");
  Plan third = resolve({"many"}, o);
  fetch_files(third, o);
  BOOST_TEST(server.requests_for("/file/") == 13);
  BOOST_TEST(third.packages[0].files[5].data == files[5].second);
}

BOOST_AUTO_TEST_CASE(statuses_are_worded) {
  TempDir t;
  Index ix(t.path);
  ix.package("6", "a", "1", {{"a.py", "a"}});
  ix.package("6", "b", "1", {{"b.py", "b"}});
  DirServer server(t.path);
  ResolveOptions o;
  o.indexes = {server.url()};
  o.cache_dir = "-";
  Plan a = resolve({"a"}, o);
  const std::string url = a.packages[0].files[0].url;
  server.status_for(url.substr(server.url().size()), 404);
  BOOST_CHECK_EXCEPTION(fetch_files(a, o), mpytool::MpyError,
                        says<mpytool::MpyError>("file not found: " + url));
  Plan b = resolve({"b"}, o);
  const std::string burl = b.packages[0].files[0].url;
  server.status_for(burl.substr(server.url().size()), 500);
  BOOST_CHECK_EXCEPTION(fetch_files(b, o), mpytool::MpyError,
                        says<mpytool::MpyError>("error 500 requesting " + burl));
}

BOOST_AUTO_TEST_CASE(the_cache_stands_in_when_the_network_fails) {
  TempDir t, cache;
  mip_test::spit(t.path / "repo" / "package.json", R"({"urls": [["u.py", "u.py"]]})");
  mip_test::spit(t.path / "repo" / "u.py", "u = 1\n");
  Index ix(t.path / "index");
  ix.package("6", "idx", "1", {{"i.py", "i = 1\n"}});
  DirServer server(t.path);
  ResolveOptions o;
  o.indexes = {server.url("/index")};
  o.cache_dir = cache.str();
  Plan p = resolve({"idx@1", server.url("/repo/package.json")}, o);
  fetch_files(p, o);
  BOOST_TEST(p.notes.empty());
  server.stop();
  // The JSONs: idx@1 is frozen (cache), the package.json's last copy stands in.
  Plan q = resolve({"idx@1", server.url("/repo/package.json")}, o);
  fetch_files(q, o);
  BOOST_TEST(q.find("idx")->files[0].data == "i = 1\n");
  BOOST_TEST(q.find("repo")->files[0].data == "u = 1\n");
  bool said = false;
  for (const auto& n : q.notes) said = said || n.find("taken from the cache") != std::string::npos;
  BOOST_TEST(said);
  // Without the cache the network error is the error.
  ResolveOptions bare = o;
  bare.cache_dir = "-";
  Plan r = q;
  for (auto& pkg : r.packages) {
    for (auto& f : pkg.files) f.fetched = false;
  }
  BOOST_CHECK_THROW(fetch_files(r, bare), mpytool::ConnError);
}

BOOST_AUTO_TEST_SUITE_END()
