// SPDX-License-Identifier: MIT
// Package specs as mpremote reads them: names and versions, the github:/gitlab:/codeberg:
// rewrites through their base-URL seams, http(s) URLs (.py/.mpy, .json, a directory), host
// paths; joining relative locations.
#include "mpytool/mip/spec.hpp"

#include <boost/test/unit_test.hpp>

#include "mip_fixtures.hpp"
#include "mpytool/base/error.hpp"

using namespace mpytool::mip;
using mip_test::Env;
using mip_test::TempDir;

BOOST_AUTO_TEST_SUITE(spec_test)

BOOST_AUTO_TEST_CASE(names_and_versions) {
  const Spec a = parse_spec("aioble");
  BOOST_TEST((a.kind == Source::kIndex));
  BOOST_TEST(a.name == "aioble");
  BOOST_TEST(a.version == "");
  const Spec b = parse_spec("aioble@0.5.0");
  BOOST_TEST(b.name == "aioble");
  BOOST_TEST(b.version == "0.5.0");
  BOOST_TEST(b.text == "aioble@0.5.0");
}

BOOST_AUTO_TEST_CASE(a_second_at_is_a_usage_error) {
  BOOST_CHECK_EXCEPTION(parse_spec("a@1@2"), mpytool::UsageError, [](const auto& e) {
    return std::string(e.what()) == "bad package spec 'a@1@2': more than one '@'";
  });
  BOOST_CHECK_THROW(parse_spec("@1.0"), mpytool::UsageError);
}

BOOST_AUTO_TEST_CASE(github_gitlab_codeberg_default_bases) {
  const Spec g = parse_spec("github:org/repo/pkg@v1");
  BOOST_TEST((g.kind == Source::kPackageJson));
  BOOST_TEST(g.location == "https://raw.githubusercontent.com/org/repo/v1/pkg/package.json");
  BOOST_TEST(g.name == "pkg");
  BOOST_TEST(g.version == "v1");
  BOOST_TEST(parse_spec("github:org/repo").location ==
             "https://raw.githubusercontent.com/org/repo/HEAD/package.json");
  BOOST_TEST(parse_spec("github:org/repo").name == "repo");
  BOOST_TEST(parse_spec("gitlab:org/repo/x.py").location ==
             "https://gitlab.com/org/repo/-/raw/HEAD/x.py");
  BOOST_TEST(parse_spec("codeberg:org/repo/d@main").location ==
             "https://codeberg.org/api/v1/repos/org/repo/raw/d/package.json?ref=main");
}

BOOST_AUTO_TEST_CASE(the_seams_move_the_bases) {
  Env g("MPYTOOL_MIP_GITHUB", "http://127.0.0.1:9/gh/");
  Env l("MPYTOOL_MIP_GITLAB", "http://127.0.0.1:9/gl");
  Env c("MPYTOOL_MIP_CODEBERG", "http://127.0.0.1:9/cb");
  BOOST_TEST(rewrite_url("github:o/r/a/b.py", "") == "http://127.0.0.1:9/gh/o/r/HEAD/a/b.py");
  BOOST_TEST(rewrite_url("gitlab:o/r/a.json", "t") == "http://127.0.0.1:9/gl/o/r/-/raw/t/a.json");
  BOOST_TEST(rewrite_url("codeberg:o/r/a.py", "t") ==
             "http://127.0.0.1:9/cb/api/v1/repos/o/r/raw/a.py?ref=t");
  BOOST_TEST(rewrite_url("https://x/y", "t") == "https://x/y");
  BOOST_CHECK_THROW(rewrite_url("github:org", ""), mpytool::UsageError);
}

BOOST_AUTO_TEST_CASE(http_urls_as_mpremote) {
  const Spec f = parse_spec("https://h/p/drv.mpy@v2");
  BOOST_TEST((f.kind == Source::kFile));
  BOOST_TEST(f.location == "https://h/p/drv.mpy");
  BOOST_TEST(f.name == "drv");
  const Spec j = parse_spec("http://h/p/thing.json");
  BOOST_TEST((j.kind == Source::kPackageJson));
  BOOST_TEST(j.location == "http://h/p/thing.json");
  BOOST_TEST(j.name == "thing");
  const Spec d = parse_spec("http://h/p/lib/");
  BOOST_TEST(d.location == "http://h/p/lib/package.json");
  BOOST_TEST(d.name == "lib");
  BOOST_TEST(parse_spec("http://h/p/lib").location == "http://h/p/lib/package.json");
}

BOOST_AUTO_TEST_CASE(host_paths) {
  TempDir t;
  mip_test::spit(t.path / "drv" / "package.json", "{}");
  const Spec d = parse_spec(t.str("drv"));
  BOOST_TEST((d.kind == Source::kPackageJson));
  BOOST_TEST(d.location == t.str("drv/package.json"));
  BOOST_TEST(d.name == "drv");
  const Spec j = parse_spec(t.str("drv/package.json"));
  BOOST_TEST((j.kind == Source::kPackageJson));
  BOOST_TEST(j.name == "drv");
  // A path that is no package.json directory stays an index name (mpremote's behaviour).
  BOOST_TEST((parse_spec(t.str("nothing")).kind == Source::kIndex));
}

BOOST_AUTO_TEST_CASE(joining_locations) {
  BOOST_TEST(join_location("https://h/a/package.json", "x.py") == "https://h/a/x.py");
  BOOST_TEST(join_location("https://h/a/package.json", "../b/x.py") == "https://h/b/x.py");
  BOOST_TEST(join_location("/d/a/package.json", "sub/x.py") == "/d/a/sub/x.py");
  BOOST_TEST(join_location("/d/a/package.json", "/abs/x.py") == "/abs/x.py");
  BOOST_TEST(join_location("/d/a/package.json", "github:o/r/x.py") == "github:o/r/x.py");
  BOOST_TEST(join_location("/d/a/package.json", "http://h/x.py") == "http://h/x.py");
}

BOOST_AUTO_TEST_SUITE_END()
