// SPDX-License-Identifier: MIT
// Resolving specs against small v2 indexes in temporary directories (and one over the
// in-process HTTP server): deps before dependants, de-duplication, cycles, version conflicts
// and who wins, several indexes, the error wording of a missing package, a missing mpy
// flavour, malformed JSON and colliding files; local package.json files with relative urls.
#include "mpytool/mip/resolve.hpp"

#include <boost/test/unit_test.hpp>

#include "mip_fixtures.hpp"
#include "mpytool/base/error.hpp"

using namespace mpytool::mip;
using mip_test::DirServer;
using mip_test::Index;
using mip_test::says;
using mip_test::TempDir;

namespace {

ResolveOptions local(const std::vector<std::string>& indexes, const std::string& mpy = "6") {
  ResolveOptions o;
  o.indexes = indexes;
  o.mpy = mpy;
  o.cache_dir = "-";
  o.offline = true;  // a host directory needs no network
  return o;
}

std::vector<std::string> names(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& pkg : p.packages) out.push_back(pkg.name + "@" + pkg.version);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(resolve_test)

BOOST_AUTO_TEST_CASE(deps_come_first_once_each) {
  TempDir t;
  Index ix(t.path);
  ix.package("6", "core", "1.0", {{"core.mpy", "c"}});
  ix.package("6", "left", "1.0", {{"left.mpy", "l"}}, {{"core", ""}});
  ix.package("6", "right", "2.0", {{"right.mpy", "r"}}, {{"core", "latest"}});
  ix.package("6", "app", "3.0", {{"app/__init__.mpy", "a"}}, {{"left", ""}, {"right", ""}});
  const Plan p = resolve({"app"}, local({t.str()}));
  BOOST_TEST(names(p) == (std::vector<std::string>{"core@1.0", "left@1.0", "right@2.0", "app@3.0"}),
             boost::test_tools::per_element());
  const Package& app = p.packages.back();
  BOOST_TEST(app.requested);
  BOOST_TEST(app.spec == "app");
  BOOST_TEST(app.index == t.str());
  BOOST_TEST(app.deps == (std::vector<std::string>{"left", "right"}),
             boost::test_tools::per_element());
  BOOST_TEST(!p.packages.front().requested);
  BOOST_REQUIRE(app.files.size() == 1u);
  BOOST_TEST(app.files[0].path == "app/__init__.mpy");
  BOOST_TEST(app.files[0].hash == ix.file("a"));
  BOOST_TEST(app.files[0].url == t.str("file/" + ix.file("a").substr(0, 2) + "/" + ix.file("a")));
  BOOST_TEST(p.requested == (std::vector<std::string>{"app"}), boost::test_tools::per_element());
  BOOST_TEST(p.mpy == "6");
}

BOOST_AUTO_TEST_CASE(a_cycle_is_resolved_once_and_noted) {
  TempDir t;
  Index ix(t.path);
  ix.package("6", "a", "1", {{"a.py", "a"}}, {{"b", ""}});
  ix.package("6", "b", "1", {{"b.py", "b"}}, {{"a", ""}});
  const Plan p = resolve({"a"}, local({t.str()}));
  BOOST_TEST(names(p) == (std::vector<std::string>{"b@1", "a@1"}),
             boost::test_tools::per_element());
  BOOST_REQUIRE(p.notes.size() == 1u);
  BOOST_TEST(p.notes[0] == "dependency cycle: a -> b -> a (installed once)");
}

BOOST_AUTO_TEST_CASE(two_explicit_versions_conflict) {
  TempDir t;
  Index ix(t.path);
  ix.package("6", "foo", "1.0", {{"foo.py", "1"}}, {}, false);
  ix.package("6", "foo", "2.0", {{"foo.py", "2"}});
  ix.package("6", "a", "1", {{"a.py", "a"}}, {{"foo", "1.0"}});
  ix.package("6", "b", "1", {{"b.py", "b"}}, {{"foo", "2.0"}});
  BOOST_CHECK_EXCEPTION(resolve({"a", "b"}, local({t.str()})), mpytool::UsageError,
                        says<mpytool::UsageError>(
                            "version conflict: foo 1.0 (needed by a) and foo 2.0 (needed by b)"));
  BOOST_CHECK_EXCEPTION(
      resolve({"foo@2.0", "a"}, local({t.str()})), mpytool::UsageError,
      says<mpytool::UsageError>(
          "version conflict: foo 2.0 (needed by the command line) and foo 1.0 (needed by a)"));
}

BOOST_AUTO_TEST_CASE(an_explicit_version_wins_over_latest) {
  TempDir t;
  Index ix(t.path);
  ix.package("6", "foo", "1.0", {{"foo.py", "1"}}, {}, false);
  ix.package("6", "foo", "2.0", {{"foo.py", "2"}});  // latest
  ix.package("6", "loose", "1", {{"loose.py", "l"}}, {{"foo", ""}});
  ix.package("6", "pinned", "1", {{"pinned.py", "p"}}, {{"foo", "1.0"}});
  // The command line's version is kept by a dep's "latest".
  Plan p = resolve({"foo@1.0", "loose"}, local({t.str()}));
  BOOST_TEST(p.find("foo")->version == "1.0");
  // A dep's pin, found after "latest" was resolved to 2.0, wins (the walk starts over).
  p = resolve({"loose", "pinned"}, local({t.str()}));
  BOOST_TEST(p.find("foo")->version == "1.0");
  BOOST_TEST(p.find("foo")->files[0].hash == ix.file("1"));
  // Alone, "latest" is 2.0.
  BOOST_TEST(resolve({"loose"}, local({t.str()})).find("foo")->version == "2.0");
}

BOOST_AUTO_TEST_CASE(the_first_index_that_has_it_wins) {
  TempDir a, b;
  Index ia(a.path), ib(b.path);
  ia.package("6", "shared", "1", {{"s.py", "from a"}});
  ib.package("6", "shared", "2", {{"s.py", "from b"}});
  ib.package("6", "only_b", "1", {{"o.py", "o"}}, {{"shared", ""}});
  const Plan p = resolve({"only_b"}, local({a.str(), b.str()}));
  BOOST_TEST(p.find("shared")->index == a.str());
  BOOST_TEST(p.find("shared")->version == "1");
  BOOST_TEST(p.find("only_b")->index == b.str());
}

BOOST_AUTO_TEST_CASE(an_unknown_package_names_every_index) {
  TempDir a, b;
  Index ia(a.path), ib(b.path);
  BOOST_CHECK_EXCEPTION(resolve({"nope"}, local({a.str(), b.str()})), mpytool::MpyError,
                        says<mpytool::MpyError>("package not found: 'nope' (searched " + a.str() +
                                                ", " + b.str() + ")"));
  ia.package("6", "x", "1", {{"x.py", "x"}});
  BOOST_CHECK_EXCEPTION(
      resolve({"x@9"}, local({a.str()})), mpytool::MpyError,
      says<mpytool::MpyError>("package not found: 'x@9' (searched " + a.str() + ")"));
}

BOOST_AUTO_TEST_CASE(no_files_for_this_mpy_suggests_no_mpy) {
  TempDir t;
  Index ix(t.path);
  ix.package("py", "srconly", "0.3", {{"s.py", "s"}});
  BOOST_CHECK_EXCEPTION(
      resolve({"srconly"}, local({t.str()})), mpytool::MpyError, [](const mpytool::MpyError& e) {
        return std::string(e.what()) == "package srconly 0.3 has no files for mpy 6" &&
               e.hint().find("--no-mpy") != std::string::npos &&
               dynamic_cast<const mpytool::UsageError*>(&e) == nullptr;
      });
  BOOST_TEST(resolve({"srconly"}, local({t.str()}, "py")).packages.size() == 1u);
}

BOOST_AUTO_TEST_CASE(malformed_json_names_the_location) {
  TempDir t;
  Index ix(t.path);
  ix.raw("6", "bad", "latest", "{\"hashes\": [[\"a.py\"]]}");
  ix.raw("6", "worse", "latest", "{not json");
  ix.raw("6", "escape", "latest", "{\"hashes\": [[\"../x.py\", \"abcd1234\"]]}");
  const std::string loc = t.str("package/6/bad/latest.json");
  BOOST_CHECK_EXCEPTION(resolve({"bad"}, local({t.str()})), mpytool::MpyError,
                        says<mpytool::MpyError>("malformed package JSON " + loc +
                                                ": 'hashes' entry 1 is not a pair of strings"));
  BOOST_CHECK_EXCEPTION(resolve({"worse"}, local({t.str()})), mpytool::MpyError,
                        [](const mpytool::MpyError& e) {
                          return std::string(e.what()).starts_with("malformed package JSON ");
                        });
  BOOST_CHECK_EXCEPTION(resolve({"escape"}, local({t.str()})), mpytool::MpyError,
                        [](const mpytool::MpyError& e) {
                          return std::string(e.what()).ends_with("bad file path '../x.py'");
                        });
}

BOOST_AUTO_TEST_CASE(two_packages_writing_one_path) {
  TempDir t;
  Index ix(t.path);
  ix.package("6", "a", "1", {{"common.py", "same"}, {"a.py", "a"}});
  ix.package("6", "b", "1", {{"common.py", "same"}, {"b.py", "b"}});
  ix.package("6", "c", "1", {{"common.py", "other"}});
  BOOST_TEST(resolve({"a", "b"}, local({t.str()})).packages.size() == 2u);  // same content
  BOOST_CHECK_EXCEPTION(
      resolve({"a", "c"}, local({t.str()})), mpytool::MpyError,
      says<mpytool::MpyError>("file conflict: 'common.py' is in both a and c with different "
                              "contents"));
}

BOOST_AUTO_TEST_CASE(a_local_package_json_with_relative_urls_and_deps) {
  TempDir t, ixdir;
  Index ix(ixdir.path);
  ix.package("6", "dep", "1", {{"dep.mpy", "d"}});
  mip_test::spit(t.path / "drv" / "src" / "drv.py", "print(1)\n");
  mip_test::spit(t.path / "drv" / "package.json",
                 R"({"urls": [["drv/__init__.py", "src/drv.py"]], "deps": [["dep", ""]],
                     "version": "0.1"})");
  const Plan p = resolve({t.str("drv")}, local({ixdir.str()}));
  BOOST_TEST(names(p) == (std::vector<std::string>{"dep@1", "drv@0.1"}),
             boost::test_tools::per_element());
  const Package& d = p.packages.back();
  BOOST_TEST((d.kind == Source::kPackageJson));
  BOOST_TEST(d.source == t.str("drv/package.json"));
  BOOST_TEST(d.index == "");
  BOOST_REQUIRE(d.files.size() == 1u);
  BOOST_TEST(d.files[0].url == t.str("drv/src/drv.py"));
  BOOST_TEST(d.files[0].hash == "");
}

BOOST_AUTO_TEST_CASE(github_deps_over_http_with_the_seam) {
  TempDir t;
  // The "repository" at /gh/org/repo/v2/... as raw.githubusercontent.com lays it out.
  mip_test::spit(t.path / "gh/org/repo/v2/pkg/package.json",
                 R"({"urls": [["pkg/a.py", "a.py"], ["pkg/b.py", "github:org/repo/pkg/b.py"]],
                     "deps": [["github:org/other", "main"]]})");
  mip_test::spit(t.path / "gh/org/other/main/package.json", R"({"urls": [["o.py", "o.py"]]})");
  DirServer server(t.path);
  mip_test::Env gh("MPYTOOL_MIP_GITHUB", server.url("/gh"));
  ResolveOptions o;
  o.indexes = {server.url("/index")};
  o.cache_dir = "-";
  const Plan p = resolve({"github:org/repo/pkg@v2"}, o);
  BOOST_TEST(names(p) == (std::vector<std::string>{"other@main", "pkg@v2"}),
             boost::test_tools::per_element());
  const Package& pkg = *p.find("pkg");
  BOOST_TEST(pkg.source == server.url("/gh/org/repo/v2/pkg/package.json"));
  BOOST_TEST(pkg.files[0].url == server.url("/gh/org/repo/v2/pkg/a.py"));
  BOOST_TEST(pkg.files[1].url == server.url("/gh/org/repo/v2/pkg/b.py"));
  BOOST_TEST(p.find("other")->files[0].url == server.url("/gh/org/other/main/o.py"));
}

BOOST_AUTO_TEST_CASE(http_errors_are_worded) {
  TempDir t;
  Index ix(t.path / "index");
  ix.package("6", "ok", "1", {{"ok.py", "o"}});
  DirServer server(t.path);
  server.status_for("/index/package/6/down/latest.json", 503);
  ResolveOptions o;
  o.indexes = {server.url("/index")};
  o.cache_dir = "-";
  BOOST_TEST(resolve({"ok"}, o).packages.size() == 1u);
  BOOST_CHECK_EXCEPTION(resolve({"down"}, o), mpytool::MpyError,
                        says<mpytool::MpyError>("error 503 requesting " +
                                                server.url("/index/package/6/down/latest.json")));
  BOOST_CHECK_EXCEPTION(
      resolve({server.url("/nothing/")}, o), mpytool::MpyError,
      says<mpytool::MpyError>("package not found: " + server.url("/nothing/package.json")));
  server.stop();
  BOOST_CHECK_THROW(resolve({"ok"}, o), mpytool::ConnError);
}

BOOST_AUTO_TEST_CASE(a_cached_json_stands_in_when_the_network_fails) {
  TempDir t, cache;
  Index ix(t.path);
  ix.package("6", "pkg", "1.5", {{"p.py", "p"}});
  DirServer server(t.path);
  ResolveOptions o;
  o.indexes = {server.url()};
  o.cache_dir = cache.str();
  BOOST_TEST(resolve({"pkg@1.5"}, o).packages.size() == 1u);
  BOOST_TEST(resolve({"pkg"}, o).packages.size() == 1u);
  // A frozen version comes from the cache without asking the server.
  const int before = server.requests();
  BOOST_TEST(resolve({"pkg@1.5"}, o).packages.size() == 1u);
  BOOST_TEST(server.requests() == before);
  server.stop();
  // "latest" is asked for again; the network being down, the last copy stands in, said so.
  const Plan p = resolve({"pkg"}, o);
  BOOST_TEST(p.find("pkg")->version == "1.5");
  BOOST_REQUIRE(p.notes.size() == 1u);
  BOOST_TEST(p.notes[0].find("using the cached copy of") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
