// SPDX-License-Identifier: MIT
// `mip download`'s index writer: a fetched plan written as a v2 index and a lock file that
// install offline (resolved again by name from the written index, or from the lock alone),
// merged with an index already in the directory.
#include "mpytool/mip/index_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "mip_fixtures.hpp"
#include "mpytool/mip/fetch.hpp"
#include "mpytool/mip/lock.hpp"
#include "mpytool/mip/resolve.hpp"
#include "mpytool/repl/py_value.hpp"

using namespace mpytool::mip;
using mip_test::Index;
using mip_test::TempDir;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(index_writer_test)

BOOST_AUTO_TEST_CASE(a_downloaded_index_installs_offline) {
  TempDir src, out;
  Index ix(src.path);
  ix.package("6", "core", "1.0", {{"core.mpy", "c"}});
  ix.package("6", "app", "2.0", {{"app/__init__.mpy", "a"}, {"app/shared.mpy", "c"}},
             {{"core", ""}});
  mip_test::spit(src.path / "drv" / "package.json", R"({"urls": [["drv.py", "drv.py"]]})");
  mip_test::spit(src.path / "drv" / "drv.py", "d");
  ResolveOptions o;
  o.indexes = {src.str()};
  o.cache_dir = "-";
  o.offline = true;
  Plan p = resolve({"app", src.str("drv")}, o);
  fetch_files(p, o);
  const IndexWritten w = write_index(p, out.str());
  BOOST_TEST(w.files_written == 3u);  // "c" is shared by two paths
  BOOST_TEST(w.lock_path == out.str("mip.lock"));
  const std::string h = sha256_hex("a").substr(0, 8);
  BOOST_TEST(mip_test::slurp(out.path / "file" / h.substr(0, 2) / h) == "a");
  BOOST_TEST(fs::exists(out.path / "package/6/app/2.0.json"));
  BOOST_TEST(fs::exists(out.path / "package/6/app/latest.json"));
  BOOST_TEST(fs::exists(out.path / "package/6/drv/latest.json"));
  const auto index = mpytool::parse_json(mip_test::slurp(out.path / "index.json"));
  BOOST_TEST(index.find("v")->as_int() == 2);
  BOOST_TEST(index.find("packages")->size() == 3u);

  // By name from the written index, the source gone.
  fs::remove_all(src.path);
  ResolveOptions off = o;
  off.indexes = {out.str()};
  Plan again = resolve({"app", "drv"}, off);
  fetch_files(again, off);
  BOOST_TEST(again.find("core")->files[0].data == "c");
  BOOST_TEST(again.find("drv")->files[0].data == "d");
  BOOST_TEST(again.find("app")->version == "2.0");
  // From the lock alone.
  Plan locked = resolve_lock(mip_test::slurp(out.path / "mip.lock"), off, w.lock_path);
  fetch_files(locked, off);
  BOOST_TEST(locked.find("app")->files[1].data == "c");

  // A second download into the same directory keeps what is there.
  TempDir src2;
  Index ix2(src2.path);
  ix2.package("6", "extra", "0.1", {{"e.mpy", "a"}});
  ResolveOptions o2 = o;
  o2.indexes = {src2.str()};
  Plan p2 = resolve({"extra"}, o2);
  fetch_files(p2, o2);
  const IndexWritten w2 = write_index(p2, out.str());
  BOOST_TEST(w2.files_written == 0u);
  BOOST_TEST(w2.files_present == 1u);
  BOOST_TEST(
      mpytool::parse_json(mip_test::slurp(out.path / "index.json")).find("packages")->size() == 4u);
  BOOST_TEST(resolve({"app"}, off).packages.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_prefix_collision_takes_a_longer_name) {
  TempDir out;
  // Put a different file where "x"'s 8-hex name would go.
  const std::string h = sha256_hex("x");
  mip_test::spit(out.path / "file" / h.substr(0, 2) / h.substr(0, 8), "not x");
  Plan p;
  p.mpy = "6";
  Package pkg;
  pkg.name = "x";
  pkg.version = "1";
  pkg.files.push_back({"x.py", "u", "", "x", h, true});
  p.packages.push_back(pkg);
  write_index(p, out.str());
  BOOST_TEST(mip_test::slurp(out.path / "file" / h.substr(0, 2) / h.substr(0, 9)) == "x");
  const auto j = mpytool::parse_json(mip_test::slurp(out.path / "package/6/x/1.json"));
  BOOST_TEST(j.find("hashes")->items()[0][1].as_str() == h.substr(0, 9));
}

BOOST_AUTO_TEST_SUITE_END()
