// SPDX-License-Identifier: MIT
// The board manifest of mip ({target}/.mip.json): reading and writing it, what an install adds
// and replaces, what an uninstall removes (dependencies included, shared files kept).
#include "mpytool/mip/manifest.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

#include "mpytool/base/error.hpp"

using namespace mpytool::mip;

namespace {

std::string hex(char c) { return std::string(64, c); }

InstalledPackage pkg(const std::string& name, const std::string& version, bool requested,
                     std::vector<std::string> deps, std::map<std::string, std::string> files) {
  InstalledPackage p;
  p.name = name;
  p.version = version;
  p.source = "https://example.org/" + name + ".json";
  p.requested = requested;
  p.deps = std::move(deps);
  p.files = std::move(files);
  return p;
}

Manifest of(std::vector<InstalledPackage> packages) {
  Manifest m;
  for (auto& p : packages) m.packages[p.name] = p;
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_test)

BOOST_AUTO_TEST_CASE(round_trip_is_compact_and_stable) {
  InstalledPackage a = pkg("aioble", "0.5.0", true, {"aioble-core"},
                           {{"aioble/server.py", hex('b')}, {"aioble/__init__.py", hex('a')}});
  a.index = "https://micropython.org/pi/v2";
  a.urls["aioble/__init__.py"] = "https://micropython.org/pi/v2/file/aa/aaaaaaaa";
  const Manifest m =
      of({pkg("aioble-core", "0.3.0", false, {}, {{"aioble/core.py", hex('c')}}), a});
  const std::string text = m.to_json();
  BOOST_TEST(text.find(' ') == std::string::npos);
  BOOST_TEST(text.rfind(R"({"v":1,"packages":{"aioble":{"version":"0.5.0",)", 0) == 0);
  // files sorted by path, optional keys only when set
  BOOST_TEST(text.find(R"("files":{"aioble/__init__.py":")") != std::string::npos);
  BOOST_TEST(text.find(R"("aioble-core":{"version":"0.3.0","source":"https://example.org/)"
                       R"(aioble-core.json","requested":false,"deps":[],)") != std::string::npos);
  const Manifest back = Manifest::parse(text, "/lib/.mip.json");
  BOOST_TEST((back == m));
  BOOST_TEST(back.to_json() == text);
  BOOST_TEST(back.owner("aioble/core.py") == "aioble-core");
  BOOST_TEST(back.owner("nope.py") == "");
}

BOOST_AUTO_TEST_CASE(empty_and_malformed_manifests) {
  BOOST_TEST(Manifest::parse("", "/lib/.mip.json").packages.empty());
  BOOST_TEST(Manifest::parse(R"({"v": 1, "packages": {}})", "x").packages.empty());
  BOOST_CHECK_EXCEPTION(
      Manifest::parse("[1]", "/lib/.mip.json"), mpytool::MpyError, [](const mpytool::MpyError& e) {
        return std::string(e.what()) == "malformed manifest '/lib/.mip.json': not an object";
      });
  BOOST_CHECK_THROW(Manifest::parse("{", "m"), mpytool::MpyError);
  BOOST_CHECK_THROW(Manifest::parse(R"({"v": 2, "packages": {}})", "m"), mpytool::MpyError);
  // a file without a full sha256 cannot be checked: refused
  BOOST_CHECK_THROW(
      Manifest::parse(R"({"v":1,"packages":{"a":{"version":"1","files":{"a.py":"abcd"}}}})", "m"),
      mpytool::MpyError);
}

BOOST_AUTO_TEST_CASE(installed_from_a_fetched_package) {
  Package p;
  p.name = "foo";
  p.version = "1.0";
  p.source = "/tmp/foo/package.json";
  p.requested = true;
  FileRef f;
  f.path = "foo.py";
  f.url = "/tmp/foo/foo.py";
  f.data = "x=1\n";
  f.sha256 = hex('1');
  f.fetched = true;
  p.files.push_back(f);
  const InstalledPackage ip = installed_from(p);
  BOOST_TEST(ip.files.at("foo.py") == hex('1'));
  BOOST_TEST(ip.urls.at("foo.py") == "/tmp/foo/foo.py");
  BOOST_TEST(ip.requested);
  p.files[0].sha256.clear();
  BOOST_CHECK_THROW(installed_from(p), mpytool::MpyError);
}

BOOST_AUTO_TEST_CASE(merge_keeps_others_and_replaces_a_new_version) {
  const Manifest old =
      of({pkg("a", "1.0", true, {}, {{"a/x.py", hex('1')}, {"a/old.py", hex('2')}}),
          pkg("b", "2.0", true, {}, {{"b.py", hex('3')}})});
  const Merge r =
      merge(old, {pkg("a", "1.1", false, {}, {{"a/x.py", hex('4')}, {"a/new.py", hex('5')}})});
  BOOST_TEST(r.manifest.packages.size() == 2u);
  BOOST_TEST(r.manifest.packages.at("b").version == "2.0");
  BOOST_TEST(r.manifest.packages.at("a").version == "1.1");
  BOOST_TEST(r.manifest.packages.at("a").requested);  // a user request stays one
  BOOST_TEST(r.manifest.packages.at("a").files.count("a/old.py") == 0u);
  BOOST_TEST(r.stale == std::vector<std::string>{"a/old.py"});
  BOOST_TEST(r.replaced == std::vector<std::string>{"a 1.0 -> 1.1"});
}

BOOST_AUTO_TEST_CASE(merge_of_the_same_install_changes_nothing) {
  const Manifest old = of({pkg("a", "1.0", true, {}, {{"a.py", hex('1')}})});
  const Merge r = merge(old, {pkg("a", "1.0", true, {}, {{"a.py", hex('1')}})});
  BOOST_TEST((r.manifest == old));
  BOOST_TEST(r.stale.empty());
  BOOST_TEST(r.replaced.empty());
}

BOOST_AUTO_TEST_CASE(merge_does_not_remove_a_file_another_package_now_holds) {
  const Manifest old = of({pkg("a", "1.0", true, {}, {{"shared.py", hex('1')}})});
  const Merge r = merge(old, {pkg("a", "2.0", true, {}, {{"a.py", hex('2')}}),
                              pkg("c", "1.0", true, {}, {{"shared.py", hex('1')}})});
  BOOST_TEST(r.stale.empty());
}

BOOST_AUTO_TEST_CASE(uninstall_takes_the_deps_nothing_else_needs) {
  const Manifest m = of({pkg("app", "1", true, {"lib1", "lib2"}, {{"app.py", hex('1')}}),
                         pkg("other", "1", true, {"lib2"}, {{"other.py", hex('2')}}),
                         pkg("lib1", "1", false, {"lib3"}, {{"lib1.py", hex('3')}}),
                         pkg("lib2", "1", false, {}, {{"lib2.py", hex('4')}}),
                         pkg("lib3", "1", false, {}, {{"lib3/__init__.py", hex('5')}}),
                         pkg("asked", "1", true, {}, {{"asked.py", hex('6')}})});
  const Removal r = remove_packages(m, {"app"});
  BOOST_TEST(r.packages == (std::vector<std::string>{"app", "lib1", "lib3"}));
  BOOST_TEST(r.files == (std::vector<std::string>{"app.py", "lib1.py", "lib3/__init__.py"}));
  BOOST_TEST(r.manifest.packages.count("lib2") == 1u);  // other needs it
  BOOST_TEST(r.manifest.packages.size() == 3u);
}

BOOST_AUTO_TEST_CASE(uninstall_keeps_a_dep_the_user_asked_for_and_shared_files) {
  const Manifest m =
      of({pkg("app", "1", true, {"lib"}, {{"app.py", hex('1')}, {"common.py", hex('9')}}),
          pkg("lib", "1", true, {}, {{"lib.py", hex('2')}}),
          pkg("x", "1", true, {}, {{"common.py", hex('9')}})});
  const Removal r = remove_packages(m, {"app"});
  BOOST_TEST(r.packages == std::vector<std::string>{"app"});
  BOOST_TEST(r.files == std::vector<std::string>{"app.py"});
}

BOOST_AUTO_TEST_CASE(uninstall_removes_a_cycle_of_deps) {
  const Manifest m = of({pkg("app", "1", true, {"a"}, {{"app.py", hex('1')}}),
                         pkg("a", "1", false, {"b"}, {{"a.py", hex('2')}}),
                         pkg("b", "1", false, {"a"}, {{"b.py", hex('3')}})});
  const Removal r = remove_packages(m, {"app"});
  BOOST_TEST(r.packages == (std::vector<std::string>{"app", "a", "b"}));
  BOOST_TEST(r.manifest.packages.empty());
}

BOOST_AUTO_TEST_CASE(uninstall_of_an_unknown_package_names_the_installed_ones) {
  const Manifest m = of({pkg("a", "1", true, {}, {}), pkg("b", "1", true, {}, {})});
  BOOST_CHECK_EXCEPTION(
      remove_packages(m, {"zzz"}), mpytool::UsageError, [](const mpytool::UsageError& e) {
        return std::string(e.what()) == "package 'zzz' is not installed (installed: a, b)";
      });
  BOOST_CHECK_EXCEPTION(
      remove_packages(Manifest{}, {"zzz"}), mpytool::UsageError, [](const mpytool::UsageError& e) {
        return std::string(e.what()) == "package 'zzz' is not installed (nothing is installed)";
      });
}

BOOST_AUTO_TEST_SUITE_END()
