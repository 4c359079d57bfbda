// SPDX-License-Identifier: MIT
// .mpyignore / --keep patterns (gitignore syntax) and the sync plan.
#include <boost/test/unit_test.hpp>

#include "mpytool/base/error.hpp"
#include "mpytool/fs/ignore.hpp"
#include "mpytool/fs/sync_plan.hpp"

using mpytool::fs::IgnoreRules;
using mpytool::fs::plan_sync;
using mpytool::fs::SyncAction;
using mpytool::fs::SyncEntry;

namespace {

IgnoreRules rules(const char* text) {
  IgnoreRules r;
  r.add_lines(text);
  return r;
}

std::string plan_text(const mpytool::fs::SyncPlan& p) {
  std::string s;
  for (const auto& a : p.actions) s += std::string(a.sign()) + a.rel + (a.is_dir ? "/" : "") + " ";
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sync_test)

BOOST_AUTO_TEST_CASE(gitignore_patterns) {
  const IgnoreRules r = rules(
      "# comment\n"
      "\n"
      "*.log\n"
      "/build\n"
      "docs/*.md\n"
      "cache/\n"
      "**/tmp/**\n"
      "secret?.txt\n"
      "data[0-9].bin\n"
      "!keep.log\n");
  BOOST_TEST(r.ignored("a.log", false));
  BOOST_TEST(r.ignored("lib/deep/b.log", false));  // unanchored: any depth
  BOOST_TEST(!r.ignored("keep.log", false));       // re-included by the later '!'
  BOOST_TEST(r.ignored("build", true));
  BOOST_TEST(r.ignored("build/x.py", false));  // inside an ignored directory
  BOOST_TEST(!r.ignored("src/build", true));   // anchored to the root
  BOOST_TEST(r.ignored("docs/a.md", false));
  BOOST_TEST(!r.ignored("docs/sub/a.md", false));  // '*' stays in one component
  BOOST_TEST(r.ignored("cache", true));
  BOOST_TEST(!r.ignored("cache", false));  // directories only
  BOOST_TEST(r.ignored("x/tmp/y/z.py", false));
  BOOST_TEST(r.ignored("secret1.txt", false));
  BOOST_TEST(!r.ignored("secret12.txt", false));
  BOOST_TEST(r.ignored("data7.bin", false));
  BOOST_TEST(!r.ignored("dataX.bin", false));
  BOOST_TEST(!r.ignored("main.py", false));
  BOOST_TEST(rules("").empty());
  // An ignored directory cannot be re-included from inside (as git).
  const IgnoreRules d = rules("lib/\n!lib/keep.py\n");
  BOOST_TEST(d.ignored("lib/keep.py", false));
}

BOOST_AUTO_TEST_CASE(plan_adds_updates_deletes_and_protects) {
  const std::vector<SyncEntry> local = {{"main.py", false, 10},
                                        {"lib", true, 0},
                                        {"lib/a.py", false, 5},
                                        {"lib/new.py", false, 7},
                                        {"assets", true, 0}};
  const std::vector<SyncEntry> board = {{"main.py", false, 10}, {"lib", true, 0},
                                        {"lib/a.py", false, 5}, {"lib/old.py", false, 3},
                                        {"data", true, 0},      {"data/log.txt", false, 9},
                                        {"gone", true, 0},      {"gone/x.py", false, 1}};
  const std::map<std::string, bool> same = {{"main.py", true}, {"lib/a.py", false}};
  auto protect = [](const SyncEntry& e) { return e.rel.rfind("data", 0) == 0; };
  auto p = plan_sync(local, board, same, true, protect);
  BOOST_TEST(plan_text(p) ==
             "-lib/old.py -gone/x.py -gone/ +assets/ ~lib/a.py +lib/new.py =main.py ");
  BOOST_TEST(p.board_files == 5u);
  BOOST_TEST(p.count(SyncAction::Op::kDelete) == 3u);
  // Without --delete nothing goes.
  p = plan_sync(local, board, same, false, protect);
  BOOST_TEST(plan_text(p) == "+assets/ ~lib/a.py +lib/new.py =main.py ");
  // A protected file keeps its directory.
  const std::vector<SyncEntry> b2 = {{"cfg", true, 0}, {"cfg/wifi.json", false, 4}};
  p = plan_sync({}, b2, {}, true, [](const SyncEntry& e) { return e.rel == "cfg/wifi.json"; });
  BOOST_TEST(plan_text(p) == "");
}

BOOST_AUTO_TEST_CASE(file_against_directory) {
  const std::vector<SyncEntry> local = {{"x", false, 3}};
  const std::vector<SyncEntry> board = {{"x", true, 0}, {"x/a.py", false, 1}};
  BOOST_CHECK_THROW(plan_sync(local, board, {}, false, {}), mpytool::UsageError);
  auto p = plan_sync(local, board, {}, true, {});
  BOOST_TEST(plan_text(p) == "-x/a.py -x/ +x ");
}

BOOST_AUTO_TEST_CASE(board_names_that_leave_dst_are_never_planned) {
  using mpytool::files::TreeNode;
  using mpytool::fs::RefusedName;
  auto file = [](std::string n, std::int64_t z = 1) { return TreeNode{std::move(n), z, {}}; };
  auto dir = [](std::string n, std::vector<TreeNode> kids) {
    return TreeNode{std::move(n), 0, std::move(kids)};
  };
  // What a lying board lists under :/app.
  const TreeNode root = dir("/app", {
                                        file("main.py", 3),
                                        file("../boot.py"),
                                        file("/etc/x"),
                                        dir("..", {file("y")}),
                                        file("."),
                                        file(""),
                                        file(std::string("a\0b", 3)),
                                        dir("old", {file("o.py", 2), file("../../z")}),
                                        dir("stale", {file("s.py", 2)}),
                                    });
  std::vector<RefusedName> refused;
  const auto board = mpytool::fs::flatten_board_tree(root, "/app", refused);
  std::string listed;
  for (const auto& e : board) listed += e.rel + (e.holds_refused ? "! " : " ");
  BOOST_TEST(listed == "main.py old! old/o.py stale stale/s.py ");
  std::string names;
  for (const auto& r : refused) names += r.dir + ":" + r.name + " ";
  BOOST_TEST(names == "/app:../boot.py /app:/etc/x /app:.. /app:. /app: /app:" +
                          std::string("a\0b", 3) + " /app/old:../../z ");
  // Nothing local: --delete removes what is known, keeps the directory that held a refused
  // name (its file goes, the directory stays), and never names a path with '..'.
  const auto p = plan_sync({}, board, {}, true, {});
  BOOST_TEST(plan_text(p) == "-old/o.py -stale/s.py -main.py -stale/ ");
  for (const auto& a : p.actions) BOOST_TEST(a.rel.find("..") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
