// SPDX-License-Identifier: MIT
// Lock files: written from a fetched plan (stable, pretty), read back into a plan that installs
// exactly those files checked by full sha256 (relative URLs against the lock's place);
// requirements lists; telling the two apart.
#include "mpytool/mip/lock.hpp"

#include <boost/test/unit_test.hpp>

#include "mip_fixtures.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/mip/fetch.hpp"
#include "mpytool/mip/resolve.hpp"
#include "mpytool/repl/py_value.hpp"

using namespace mpytool::mip;
using mip_test::Index;
using mip_test::TempDir;

BOOST_AUTO_TEST_SUITE(lock_test)

BOOST_AUTO_TEST_CASE(a_plan_round_trips) {
  TempDir t;
  Index ix(t.path);
  ix.package("6", "core", "1.0", {{"core.mpy", "c"}});
  ix.package("6", "app", "2.0", {{"app.mpy", "a"}, {"app2.mpy", "b"}}, {{"core", ""}});
  ResolveOptions o;
  o.indexes = {t.str()};
  o.cache_dir = "-";
  Plan p = resolve({"app"}, o);
  BOOST_CHECK_THROW(lock_json(p), mpytool::MpyError);  // not fetched yet
  fetch_files(p, o);
  const std::string text = lock_json(p);
  BOOST_TEST(text.ends_with("}\n"));
  BOOST_TEST(text.find("\n  \"packages\": [\n") != std::string::npos);
  const mpytool::PyValue doc = mpytool::parse_json(text);
  BOOST_TEST(doc.find("v")->as_int() == 1);
  BOOST_TEST(doc.find("mpy")->as_str() == "6");
  const auto& pk = doc.find("packages")->items();
  BOOST_REQUIRE(pk.size() == 2u);
  BOOST_TEST(pk[0].find("name")->as_str() == "core");
  BOOST_TEST(pk[0].find("requested")->as_bool() == false);
  BOOST_TEST(pk[1].find("deps")->items()[0].as_str() == "core");
  BOOST_TEST(pk[1].find("index")->as_str() == t.str());
  const auto& f = pk[1].find("files")->items()[0];
  BOOST_TEST(f.find("sha256")->as_str() == sha256_hex("a"));
  BOOST_TEST(f.find("url")->as_str() == p.packages[1].files[0].url);
  BOOST_TEST(is_lock(text));

  Plan back = resolve_lock(text, o);
  BOOST_TEST(back.mpy == "6");
  BOOST_REQUIRE(back.packages.size() == 2u);
  BOOST_TEST(back.packages[1].name == "app");
  BOOST_TEST(back.packages[1].version == "2.0");
  BOOST_TEST(back.packages[1].requested);
  BOOST_TEST(back.requested == (std::vector<std::string>{"app"}), boost::test_tools::per_element());
  BOOST_TEST(back.packages[1].files[1].hash == sha256_hex("b"));
  fetch_files(back, o);
  BOOST_TEST(back.packages[1].files[1].data == "b");
  BOOST_TEST(lock_json(back) == text);
}

BOOST_AUTO_TEST_CASE(a_lock_checks_the_full_hash) {
  TempDir t;
  mip_test::spit(t.path / "f.py", "real");
  const std::string lock = R"({"v": 1, "mpy": "py", "packages": [{"name": "x", "version": "1",
      "source": "s", "index": null, "requested": true, "deps": [],
      "files": [{"path": "x.py", "sha256": ")" +
                           sha256_hex("expected") + R"(", "url": "f.py"}]}]})";
  ResolveOptions o;
  o.cache_dir = "-";
  Plan p = resolve_lock(lock, o, t.str("mip.lock"));
  BOOST_TEST(p.mpy == "py");
  BOOST_TEST(p.packages[0].files[0].url == t.str("f.py"));
  BOOST_CHECK_EXCEPTION(fetch_files(p, o), mpytool::MpyError, [](const mpytool::MpyError& e) {
    return std::string(e.what()).starts_with("hash mismatch for x.py from ");
  });
}

BOOST_AUTO_TEST_CASE(kinds_come_back_from_the_lock) {
  const std::string sha = sha256_hex("x");
  const std::string lock =
      R"({"v": 1, "packages": [
      {"name": "f", "source": "http://h/f.py", "index": null, "files": [
        {"path": "f.py", "sha256": ")" +
      sha + R"(", "url": "http://h/f.py"}]},
      {"name": "j", "source": "http://h/j/package.json", "index": null, "files": []},
      {"name": "i", "source": "http://i/package/6/i/latest.json", "index": "http://i",
       "files": []}]})";
  const Plan p = resolve_lock(lock, ResolveOptions{});
  BOOST_TEST((p.packages[0].kind == Source::kFile));
  BOOST_TEST((p.packages[1].kind == Source::kPackageJson));
  BOOST_TEST((p.packages[2].kind == Source::kIndex));
  BOOST_TEST(p.packages[2].index == "http://i");
}

BOOST_AUTO_TEST_CASE(malformed_locks) {
  ResolveOptions o;
  BOOST_CHECK_THROW(resolve_lock("{", o), mpytool::MpyError);
  BOOST_CHECK_THROW(resolve_lock(R"({"v": 1, "packages": 3})", o), mpytool::MpyError);
  BOOST_CHECK_EXCEPTION(resolve_lock(R"({"v": 1, "packages": [{"name": "x", "files": [{"path": "a",
                   "sha256": "12", "url": "u"}]}]})",
                                     o),
                        mpytool::MpyError, [](const mpytool::MpyError& e) {
                          return std::string(e.what()) ==
                                 "malformed lock file: package 1: bad sha256 for 'a'";
                        });
}

BOOST_AUTO_TEST_CASE(requirements_lists) {
  const auto r = read_requirements(
      "# tools\naioble@0.5.0\n\n  github:org/repo  # the driver\r\nhttps://h/x.py#frag\n");
  BOOST_TEST(
      r == (std::vector<std::string>{"aioble@0.5.0", "github:org/repo", "https://h/x.py#frag"}),
      boost::test_tools::per_element());
  BOOST_TEST(!is_lock("aioble\n"));
  BOOST_TEST(!is_lock("{\"v\": 1}"));
}

BOOST_AUTO_TEST_SUITE_END()
