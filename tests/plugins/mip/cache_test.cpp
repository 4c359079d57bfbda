// SPDX-License-Identifier: MIT
// The host cache: files by full sha256 found by any prefix, damaged or ambiguous entries
// missed, frozen JSONs and stale copies by URL, a disabled cache.
#include "mpytool/mip/cache.hpp"

#include <boost/test/unit_test.hpp>

#include "mip_fixtures.hpp"

using namespace mpytool::mip;
using mip_test::TempDir;

BOOST_AUTO_TEST_SUITE(cache_test)

BOOST_AUTO_TEST_CASE(files_by_content) {
  TempDir t;
  const Cache c(t.str());
  const std::string h = c.put_file("abc");
  BOOST_TEST(h == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(mip_test::slurp(t.path / "files" / "ba" / h) == "abc");
  BOOST_TEST(c.file(h).value_or("") == "abc");
  BOOST_TEST(c.file("ba7816bf").value_or("") == "abc");
  BOOST_TEST(!c.file("ba7816be"));
  BOOST_TEST(!c.file("xyz1"));
  // Damaged: the name no longer matches the content.
  mip_test::spit(t.path / "files" / "ba" / h, "abd");
  BOOST_TEST(!c.file("ba7816bf"));
}

BOOST_AUTO_TEST_CASE(two_files_sharing_a_prefix_are_ambiguous) {
  TempDir t;
  const Cache c(t.str());
  const std::string h = c.put_file("abc");
  const std::string twin = h.substr(0, 10) + std::string(54, '0');
  mip_test::spit(t.path / "files" / "ba" / twin, "whatever");
  BOOST_TEST(!c.file(h.substr(0, 8)));
  BOOST_TEST(c.file(h).value_or("") == "abc");
}

BOOST_AUTO_TEST_CASE(jsons_and_stale_copies_by_url) {
  TempDir t;
  const Cache c(t.str());
  BOOST_TEST(!c.json("http://x/a.json"));
  c.put_json("http://x/a.json", "{}");
  BOOST_TEST(c.json("http://x/a.json").value_or("") == "{}");
  BOOST_TEST(!c.stale("http://x/a.json"));
  c.put_stale("http://x/a.json", "old");
  BOOST_TEST(c.stale("http://x/a.json").value_or("") == "old");
}

BOOST_AUTO_TEST_CASE(a_disabled_cache_misses) {
  const Cache c("-");
  BOOST_TEST(c.dir() == "");
  BOOST_TEST(c.put_file("abc") == sha256_hex("abc"));
  BOOST_TEST(!c.file(sha256_hex("abc")));
  c.put_json("u", "x");
  BOOST_TEST(!c.json("u"));
}

BOOST_AUTO_TEST_CASE(the_default_dir_follows_xdg) {
  mip_test::Env xdg("XDG_CACHE_HOME", "/tmp/xdgtest");
  BOOST_TEST(Cache().dir() == "/tmp/xdgtest/mpytool/mip");
}

BOOST_AUTO_TEST_SUITE_END()
