// SPDX-License-Identifier: MIT
// The mount's jail: board paths never resolve outside the root and its `ln` sources, whatever
// the path holds (.., symlinks out, the /x/app vs /x/app2 prefix trick, NUL, invalid UTF-8,
// over-long names), while symlinks that stay inside and `ln` entries work.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "mpytool/mount/jail.hpp"

namespace m = mpytool::mount;
namespace fs = std::filesystem;

namespace {

struct Tree {
  fs::path top;
  Tree() {
    char tmpl[] = "/tmp/mount_jail_XXXXXX";
    top = fs::canonical(::mkdtemp(tmpl));
    fs::create_directories(top / "app/lib");
    fs::create_directories(top / "app2");
    fs::create_directories(top / "drivers/sub");
    std::ofstream(top / "app/main.py") << "x";
    std::ofstream(top / "app2/secret.txt") << "s";
    std::ofstream(top / "drivers/sub/d.py") << "d";
    std::ofstream(top / "outside.txt") << "o";
    fs::create_symlink(top / "outside.txt", top / "app/out_abs");
    fs::create_symlink("../outside.txt", top / "app/out_rel");
    fs::create_symlink("../app2", top / "app/prefix_trick");
    fs::create_symlink("/etc", top / "app/etc");
    fs::create_symlink("lib", top / "app/lib_link");
    fs::create_symlink("main.py", top / "app/main_link.py");
    fs::create_symlink("nowhere/../../outside_new.txt", top / "app/dangling_out");
  }
  ~Tree() { fs::remove_all(top); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(mount_jail_test)

BOOST_AUTO_TEST_CASE(plain_paths_resolve_inside) {
  Tree t;
  m::Jail jail(t.top / "app");
  auto r = jail.resolve("/main.py");
  BOOST_TEST(r.error == 0);
  BOOST_TEST(r.path == t.top / "app/main.py");
  BOOST_TEST(r.rel == "main.py");
  BOOST_TEST(jail.resolve("").path == t.top / "app");
  BOOST_TEST(jail.resolve("/").base);
  BOOST_TEST(jail.resolve("/lib/./new.py").path == t.top / "app/lib/new.py");
  BOOST_TEST(jail.resolve("/lib/../main.py").path == t.top / "app/main.py");
}

BOOST_AUTO_TEST_CASE(dot_dot_above_the_root_is_refused) {
  Tree t;
  m::Jail jail(t.top / "app");
  for (const char* p : {"/..", "/../outside.txt", "/lib/../../outside.txt", "../app2/secret.txt",
                        "/../../../../etc/passwd"}) {
    BOOST_TEST(jail.resolve(p).error == EACCES, p);
  }
}

BOOST_AUTO_TEST_CASE(symlinks_pointing_out_are_refused) {
  Tree t;
  m::Jail jail(t.top / "app");
  for (const char* p : {"/out_abs", "/out_rel", "/etc/passwd", "/etc", "/prefix_trick/secret.txt",
                        "/dangling_out"}) {
    BOOST_TEST(jail.resolve(p).error == EACCES, p);
  }
}

BOOST_AUTO_TEST_CASE(symlinks_inside_work) {
  Tree t;
  m::Jail jail(t.top / "app");
  BOOST_TEST(jail.resolve("/lib_link/x.py").path == t.top / "app/lib/x.py");
  BOOST_TEST(jail.resolve("/main_link.py").path == t.top / "app/main.py");
}

BOOST_AUTO_TEST_CASE(prefix_trick_is_compared_by_component) {
  Tree t;
  BOOST_TEST(m::Jail::within(t.top / "app/x", t.top / "app"));
  BOOST_TEST(m::Jail::within(t.top / "app", t.top / "app"));
  BOOST_TEST(!m::Jail::within(t.top / "app2/secret.txt", t.top / "app"));
  BOOST_TEST(!m::Jail::within(t.top, t.top / "app"));
}

BOOST_AUTO_TEST_CASE(invalid_names_are_refused) {
  Tree t;
  m::Jail jail(t.top / "app");
  BOOST_TEST(jail.resolve(std::string("/a\0b", 4)).error == EACCES);
  BOOST_TEST(jail.resolve("/\xff\xfe.py").error == EACCES);
  BOOST_TEST(jail.resolve("/\xc0\xaf").error == EACCES);      // overlong '/'
  BOOST_TEST(jail.resolve("/\xed\xa0\x80").error == EACCES);  // a surrogate
  BOOST_TEST(jail.resolve("/" + std::string(256, 'n')).error == EACCES);
  BOOST_TEST(jail.resolve("/" + std::string(255, 'n')).error == 0);
  BOOST_TEST(jail.resolve("/ž\xc5\xbe.py").error == 0);
  std::string deep;
  for (int i = 0; i < 900; ++i) deep += "/abcd";
  BOOST_TEST(jail.resolve(deep).error == EACCES);
}

BOOST_AUTO_TEST_CASE(submounts_resolve_into_their_sources) {
  Tree t;
  m::Jail jail(t.top / "app");
  BOOST_TEST(jail.add_submount("lib/drivers", t.top / "drivers"));
  BOOST_TEST(!jail.add_submount("../x", t.top / "drivers"));
  auto r = jail.resolve("/lib/drivers/sub/d.py");
  BOOST_TEST(r.error == 0);
  BOOST_TEST(r.path == t.top / "drivers/sub/d.py");
  BOOST_TEST(jail.resolve("/lib/drivers").base);
  // ".." works on board paths: climbing out of the link lands in the mount, never beside it.
  BOOST_TEST(jail.resolve("/lib/drivers/../../outside.txt").path == t.top / "app/outside.txt");
  BOOST_TEST(jail.resolve("/lib/drivers/sub/../../main.py").path == t.top / "app/lib/main.py");
}

BOOST_AUTO_TEST_CASE(intermediate_levels_are_virtual_directories) {
  Tree t;
  m::Jail jail(t.top / "app");
  BOOST_TEST(jail.add_submount("vendor/acme/drv", t.top / "drivers"));
  auto r = jail.resolve("/vendor/acme");
  BOOST_TEST(r.error == 0);
  BOOST_TEST(r.virtual_dir);
  auto top = jail.virtual_children("");
  BOOST_TEST(top.size() == 1u);
  BOOST_TEST(top[0].first == "vendor");
  BOOST_TEST(top[0].second.empty());
  auto leaf = jail.virtual_children("vendor/acme");
  BOOST_TEST(leaf.size() == 1u);
  BOOST_TEST(leaf[0].first == "drv");
  BOOST_TEST(leaf[0].second == t.top / "drivers");
}

BOOST_AUTO_TEST_CASE(utf8_validation) {
  BOOST_TEST(m::valid_utf8("plain"));
  BOOST_TEST(m::valid_utf8("\xc5\xbelu\xc5\xa5"));
  BOOST_TEST(m::valid_utf8("\xf0\x9f\x98\x80"));
  BOOST_TEST(!m::valid_utf8("\xc5"));
  BOOST_TEST(!m::valid_utf8("\xe2\x82"));
  BOOST_TEST(!m::valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
}

BOOST_AUTO_TEST_SUITE_END()
