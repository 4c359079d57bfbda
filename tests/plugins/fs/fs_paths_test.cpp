// SPDX-License-Identifier: MIT
// fs paths: the `:` syntax helpers, excludes and glob, size arguments, and the cp planner's
// upload / download / board-to-board tables (docs/compatibility.md, "Device paths", "cp") against a
// fake board and real temporary local directories.
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "mpytool/base/error.hpp"
#include "mpytool/fs/paths.hpp"

namespace stdfs = std::filesystem;
using namespace mpytool::fs;
using mpytool::DeviceError;
using mpytool::ExitCode;
using mpytool::MpyError;
using mpytool::UsageError;
using mpytool::files::TreeNode;

namespace {

// A board: files with sizes and directories, keyed by the path as the planner passes it.
class FakeRemote : public RemoteView {
 public:
  std::map<std::string, std::int64_t> files;
  std::set<std::string> dirs;
  std::vector<std::string> stat_calls;
  std::vector<std::string> tree_calls;

  void add_file(const std::string& path, std::int64_t size) {
    files[path] = size;
    add_parents(path);
  }
  void add_dir(const std::string& path) {
    dirs.insert(path);
    add_parents(path);
  }

  std::optional<std::int64_t> stat(std::string_view path) override {
    stat_calls.emplace_back(path);
    const std::string p = strip_trailing_slash(path);
    if (p.empty() || p == "/" || p == "." || dirs.count(p)) return -1;
    const auto it = files.find(p);
    if (it != files.end()) return it->second;
    return std::nullopt;
  }

  TreeNode tree(std::string_view path) override {
    tree_calls.emplace_back(path);
    return build(strip_trailing_slash(path));
  }

 private:
  void add_parents(const std::string& path) {
    for (std::string p = remote_dirname(path); !p.empty() && p != "/"; p = remote_dirname(p)) {
      dirs.insert(p);
    }
  }
  TreeNode build(const std::string& p) {
    TreeNode node;
    node.name = remote_basename(p);
    node.children.emplace();
    // Reverse order on purpose: the planner must sort.
    for (auto it = files.rbegin(); it != files.rend(); ++it) {
      if (remote_dirname(it->first) == p) {
        node.children->push_back({remote_basename(it->first), it->second, std::nullopt});
        node.size += it->second;
      }
    }
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
      if (remote_dirname(*it) == p && *it != p) {
        node.children->push_back(build(*it));
        node.size += node.children->back().size;
      }
    }
    return node;
  }
};

// A fresh temporary directory that is also the current directory for the test's duration.
class TempCwd {
 public:
  TempCwd() : old_(stdfs::current_path()) {
    std::random_device rd;
    root_ = stdfs::temp_directory_path() / ("mpytool-fs-paths-" + std::to_string(rd()));
    stdfs::create_directories(root_);
    stdfs::current_path(root_);
  }
  ~TempCwd() {
    std::error_code ec;
    stdfs::current_path(old_, ec);
    stdfs::remove_all(root_, ec);
  }
  const stdfs::path& root() const { return root_; }

 private:
  stdfs::path old_;
  stdfs::path root_;
};

void write(const std::string& path, std::size_t size) {
  const auto parent = stdfs::path(path).parent_path();
  if (!parent.empty()) stdfs::create_directories(parent);
  std::ofstream(path, std::ios::binary) << std::string(size, 'x');
}

std::vector<std::pair<std::string, std::string>> pairs(const CopyPlan& plan) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : plan.files) out.emplace_back(f.src, f.dst);
  return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;
using Strings = std::vector<std::string>;

// The standard local tree: dir/{a.py(3), b.txt(5), sub/c.py(7), empty/}.
void make_dir_tree() {
  write("dir/a.py", 3);
  write("dir/b.txt", 5);
  write("dir/sub/c.py", 7);
  stdfs::create_directories("dir/empty");
}

// The same tree on the board under \p base.
void make_remote_tree(FakeRemote& r, const std::string& base) {
  r.add_file(join_remote(base, "a.py"), 3);
  r.add_file(join_remote(base, "b.txt"), 5);
  r.add_file(join_remote(base, "sub/c.py"), 7);
  r.add_dir(join_remote(base, "empty"));
}

template <class E>
bool message_is(const E& e, const std::string& text) {
  return std::string(e.what()) == text;
}

const char* const kMultiple =
    "multiple sources or directory contents require destination directory (ending with /)";

}  // namespace

BOOST_AUTO_TEST_SUITE(fs_paths_test)

// ------------------------------------------------------------------------------------------------
// helpers

BOOST_AUTO_TEST_CASE(parse_cli_path_splits_remote_and_local) {
  auto p = parse_cli_path(":lib/");
  BOOST_TEST(p.remote);
  BOOST_TEST(p.path == "lib/");
  BOOST_TEST(p.trailing_slash);
  p = parse_cli_path(":");
  BOOST_TEST(p.remote);
  BOOST_TEST(p.path == "");
  BOOST_TEST(p.trailing_slash);
  p = parse_cli_path(":/");
  BOOST_TEST(p.path == "/");
  BOOST_TEST(p.trailing_slash);
  p = parse_cli_path(":/a/b.py");
  BOOST_TEST(p.path == "/a/b.py");
  BOOST_TEST(!p.trailing_slash);
  p = parse_cli_path("a.py");
  BOOST_TEST(!p.remote);
  BOOST_TEST(p.path == "a.py");
  BOOST_TEST(!p.trailing_slash);
  p = parse_cli_path("dir/");
  BOOST_TEST(!p.remote);
  BOOST_TEST(p.trailing_slash);
}

BOOST_AUTO_TEST_CASE(require_remote_strips_colon_or_throws) {
  BOOST_TEST(require_remote("ls", ":lib") == "lib");
  BOOST_TEST(require_remote("ls", ":") == "");
  BOOST_CHECK_EXCEPTION(require_remote("ls", "pwd"), UsageError, [](const UsageError& e) {
    return message_is(e, "ls requires device path (: prefix): pwd");
  });
  BOOST_CHECK_THROW(require_remote("rm", ""), UsageError);
}

BOOST_AUTO_TEST_CASE(remote_dir_dest_cases) {
  BOOST_TEST(remote_dir_dest(""));
  BOOST_TEST(remote_dir_dest("/"));
  BOOST_TEST(remote_dir_dest("lib/"));
  BOOST_TEST(remote_dir_dest("/a/b/"));
  BOOST_TEST(remote_dir_dest("."));
  BOOST_TEST(remote_dir_dest("a/.."));
  BOOST_TEST(!remote_dir_dest("lib"));
  BOOST_TEST(!remote_dir_dest("/a/b"));
  BOOST_TEST(!remote_dir_dest(".x"));
  BOOST_TEST(!remote_dir_dest("a/..b"));
}

BOOST_AUTO_TEST_CASE(join_remote_cases) {
  BOOST_TEST(join_remote("", "n") == "n");
  BOOST_TEST(join_remote("/", "n") == "/n");
  BOOST_TEST(join_remote("a/", "n") == "a/n");
  BOOST_TEST(join_remote("a", "n") == "a/n");
  BOOST_TEST(join_remote("/a/b", "n m") == "/a/b/n m");
  BOOST_TEST(join_remote("a/", "") == "a");
}

BOOST_AUTO_TEST_CASE(remote_basename_cases) {
  BOOST_TEST(remote_basename("/a/b/") == "b");
  BOOST_TEST(remote_basename("/a/b") == "b");
  BOOST_TEST(remote_basename("b.py") == "b.py");
  BOOST_TEST(remote_basename("/") == "");
  BOOST_TEST(remote_basename("") == "");
  BOOST_TEST(remote_basename("lib//") == "lib");
}

BOOST_AUTO_TEST_CASE(remote_dirname_cases) {
  BOOST_TEST(remote_dirname("a/b") == "a");
  BOOST_TEST(remote_dirname("/a") == "/");
  BOOST_TEST(remote_dirname("a") == "");
  BOOST_TEST(remote_dirname("/a/b/c") == "/a/b");
  BOOST_TEST(remote_dirname("a/b/") == "a");
  BOOST_TEST(remote_dirname("a//b") == "a");
  BOOST_TEST(remote_dirname("") == "");
}

BOOST_AUTO_TEST_CASE(strip_trailing_slash_cases) {
  BOOST_TEST(strip_trailing_slash("lib/") == "lib");
  BOOST_TEST(strip_trailing_slash("lib//") == "lib");
  BOOST_TEST(strip_trailing_slash("/") == "/");
  BOOST_TEST(strip_trailing_slash("//") == "/");
  BOOST_TEST(strip_trailing_slash("") == "");
  BOOST_TEST(strip_trailing_slash("/a/b") == "/a/b");
}

BOOST_AUTO_TEST_CASE(glob_match_wildcards) {
  BOOST_TEST(glob_match("*.pyc", "a.pyc"));
  BOOST_TEST(glob_match("*.pyc", ".pyc"));
  BOOST_TEST(!glob_match("*.pyc", "a.py"));
  BOOST_TEST(!glob_match("*.pyc", "a.pyc.bak"));
  BOOST_TEST(glob_match("a?c", "abc"));
  BOOST_TEST(!glob_match("a?c", "ac"));
  BOOST_TEST(glob_match("*", ""));
  BOOST_TEST(glob_match("**x*", "aaxbb"));
  BOOST_TEST(glob_match("a*b*c", "aXbYbZc"));
  BOOST_TEST(!glob_match("a*b*c", "aXbYbZ"));
  BOOST_TEST(glob_match("", ""));
  BOOST_TEST(!glob_match("", "a"));
  BOOST_TEST(!glob_match("A.py", "a.py"));  // case-sensitive like fnmatch on POSIX
}

BOOST_AUTO_TEST_CASE(glob_match_classes) {
  BOOST_TEST(glob_match("[abc].py", "b.py"));
  BOOST_TEST(!glob_match("[abc].py", "d.py"));
  BOOST_TEST(glob_match("[!abc].py", "d.py"));
  BOOST_TEST(!glob_match("[!abc].py", "a.py"));
  BOOST_TEST(glob_match("file[0-9]", "file7"));
  BOOST_TEST(!glob_match("file[0-9]", "filex"));
  BOOST_TEST(glob_match("[]]x", "]x"));  // ']' first is literal
  BOOST_TEST(glob_match("[a-]", "-"));   // '-' last is literal
  BOOST_TEST(glob_match("a[b", "a[b"));  // unclosed '[' is literal
  BOOST_TEST(!glob_match("a[b", "ab"));
  BOOST_TEST(glob_match("?.py", "\xc3\xa9.py"));  // '?' is one character, not one byte
  BOOST_TEST(glob_match("[\xc3\xa9].py", "\xc3\xa9.py"));
}

BOOST_AUTO_TEST_CASE(excludes_defaults) {
  const Excludes ex;
  for (const char* name : {"__pycache__", ".git", ".svn", ".hg", ".DS_Store", "x.pyc",
                           ".mpytool-cache", ".a.py.mpytmp", ".mpytool-Ab3xY9.mpytmp"}) {
    BOOST_TEST(ex.excluded(name), name);
  }
  for (const char* name : {"main.py", ".gitignore", "git", "pycache", "a.mpytmp", ".env", "lib"}) {
    BOOST_TEST(!ex.excluded(name), name);
  }
  BOOST_TEST(Excludes::defaults().size() == 8u);
  BOOST_TEST(ex.patterns() == Excludes::defaults());
}

BOOST_AUTO_TEST_CASE(excludes_user_patterns) {
  const Excludes ex({"*.txt", "build"});
  BOOST_TEST(ex.excluded("notes.txt"));
  BOOST_TEST(ex.excluded("build"));
  BOOST_TEST(ex.excluded("__pycache__"));
  BOOST_TEST(!ex.excluded("builder"));
  BOOST_TEST(ex.patterns().size() == Excludes::defaults().size() + 2);
  const Excludes only({"*.txt"}, false);
  BOOST_TEST(only.excluded("a.txt"));
  BOOST_TEST(!only.excluded(".git"));
  BOOST_TEST(only.patterns() == Strings{"*.txt"});
}

BOOST_AUTO_TEST_CASE(parse_size_valid) {
  BOOST_TEST(parse_size("512") == 512);
  BOOST_TEST(parse_size("512B") == 512);
  BOOST_TEST(parse_size("512b") == 512);
  BOOST_TEST(parse_size("4K") == 4096);
  BOOST_TEST(parse_size("4k") == 4096);
  BOOST_TEST(parse_size("4KB") == 4096);
  BOOST_TEST(parse_size("4kb") == 4096);
  BOOST_TEST(parse_size("64") == 64);
  BOOST_TEST(parse_size("128K") == 131072);
  BOOST_TEST(parse_size("131072") == 131072);
}

BOOST_AUTO_TEST_CASE(parse_size_invalid) {
  for (const char* text : {"", "abc", "K", "4X", "4 K", "-4", "4.5K", "4KBB", " 512"}) {
    BOOST_CHECK_EXCEPTION(parse_size(text), UsageError, [&](const UsageError& e) {
      return message_is(e, std::string("invalid size '") + text + "'");
    });
  }
}

BOOST_AUTO_TEST_CASE(parse_size_out_of_range) {
  for (const char* text : {"63", "0", "1M", "129K", "131073", "99999999999999999999"}) {
    BOOST_CHECK_EXCEPTION(parse_size(text), UsageError, [&](const UsageError& e) {
      return message_is(e, std::string("size out of range (64..131072): ") + text);
    });
  }
}

// ------------------------------------------------------------------------------------------------
// uploads (the table in docs/compatibility.md, "cp")

BOOST_AUTO_TEST_CASE(upload_dir_to_cwd) {
  TempCwd tmp;
  make_dir_tree();
  FakeRemote r;
  const auto plan = plan_upload({"dir"}, "", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"dir/a.py", "dir/a.py"},
                                   {"dir/b.txt", "dir/b.txt"},
                                   {"dir/sub/c.py", "dir/sub/c.py"}}));
  BOOST_TEST(plan.dirs == (Strings{"dir", "dir/empty", "dir/sub"}));
  BOOST_TEST(r.stat_calls.empty());
}

BOOST_AUTO_TEST_CASE(upload_dir_to_root) {
  TempCwd tmp;
  make_dir_tree();
  FakeRemote r;
  const auto plan = plan_upload({"dir"}, "/", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"dir/a.py", "/dir/a.py"},
                                   {"dir/b.txt", "/dir/b.txt"},
                                   {"dir/sub/c.py", "/dir/sub/c.py"}}));
  BOOST_TEST(plan.dirs == (Strings{"/dir", "/dir/empty", "/dir/sub"}));
}

BOOST_AUTO_TEST_CASE(upload_dir_renamed) {
  TempCwd tmp;
  make_dir_tree();
  FakeRemote r;
  const auto plan = plan_upload({"dir"}, "folder", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"dir/a.py", "folder/a.py"},
                                   {"dir/b.txt", "folder/b.txt"},
                                   {"dir/sub/c.py", "folder/sub/c.py"}}));
  BOOST_TEST(plan.dirs == (Strings{"folder", "folder/empty", "folder/sub"}));
}

BOOST_AUTO_TEST_CASE(upload_dir_renamed_merges_into_existing) {
  TempCwd tmp;
  make_dir_tree();
  FakeRemote r;
  r.add_file("folder/old.py", 1);
  const auto plan = plan_upload({"dir"}, "folder", Excludes(), r);
  BOOST_TEST(plan.files.size() == 3u);
  BOOST_TEST(plan.files[0].dst == "folder/a.py");  // not folder/dir/a.py
  BOOST_TEST(plan.files[2].dst == "folder/sub/c.py");
}

BOOST_AUTO_TEST_CASE(upload_dir_into_dir_destination) {
  TempCwd tmp;
  make_dir_tree();
  FakeRemote r;
  const auto plan = plan_upload({"dir"}, "/folder/", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"dir/a.py", "/folder/dir/a.py"},
                                   {"dir/b.txt", "/folder/dir/b.txt"},
                                   {"dir/sub/c.py", "/folder/dir/sub/c.py"}}));
  BOOST_TEST(plan.dirs == (Strings{"/folder/dir", "/folder/dir/empty", "/folder/dir/sub"}));
}

BOOST_AUTO_TEST_CASE(upload_dir_contents_to_cwd) {
  TempCwd tmp;
  make_dir_tree();
  FakeRemote r;
  const auto plan = plan_upload({"dir/"}, "", Excludes(), r);
  BOOST_TEST(pairs(plan) ==
             (Pairs{{"dir/a.py", "a.py"}, {"dir/b.txt", "b.txt"}, {"dir/sub/c.py", "sub/c.py"}}));
  BOOST_TEST(plan.dirs == (Strings{"empty", "sub"}));
}

BOOST_AUTO_TEST_CASE(upload_dir_contents_to_folder) {
  TempCwd tmp;
  make_dir_tree();
  FakeRemote r;
  const auto plan = plan_upload({"dir/"}, "/folder/", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"dir/a.py", "/folder/a.py"},
                                   {"dir/b.txt", "/folder/b.txt"},
                                   {"dir/sub/c.py", "/folder/sub/c.py"}}));
  BOOST_TEST(plan.dirs == (Strings{"/folder", "/folder/empty", "/folder/sub"}));
}

BOOST_AUTO_TEST_CASE(upload_dir_contents_to_name_is_an_error) {
  TempCwd tmp;
  make_dir_tree();
  FakeRemote r;
  BOOST_CHECK_EXCEPTION(plan_upload({"dir/"}, "folder", Excludes(), r), UsageError,
                        [](const UsageError& e) { return message_is(e, kMultiple); });
}

BOOST_AUTO_TEST_CASE(upload_file_to_cwd) {
  TempCwd tmp;
  write("f.py", 11);
  FakeRemote r;
  const auto plan = plan_upload({"f.py"}, "", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"f.py", "f.py"}}));
  BOOST_TEST(plan.files[0].size == 11);
  BOOST_TEST(plan.dirs.empty());
  BOOST_TEST(r.stat_calls.empty());
}

BOOST_AUTO_TEST_CASE(upload_file_renamed) {
  TempCwd tmp;
  write("f.py", 2);
  FakeRemote r;
  const auto plan = plan_upload({"f.py"}, "x.py", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"f.py", "x.py"}}));
  BOOST_TEST(plan.dirs.empty());
  BOOST_TEST(r.stat_calls == Strings{"x.py"});
}

BOOST_AUTO_TEST_CASE(upload_file_into_folder) {
  TempCwd tmp;
  write("f.py", 2);
  FakeRemote r;
  r.add_dir("/folder");
  auto plan = plan_upload({"f.py"}, "/folder/", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"f.py", "/folder/f.py"}}));
  BOOST_TEST(plan.dirs.empty());
  BOOST_TEST(r.stat_calls == Strings{"/folder"});

  FakeRemote empty;
  plan = plan_upload({"f.py"}, "/folder/", Excludes(), empty);
  BOOST_TEST(pairs(plan) == (Pairs{{"f.py", "/folder/f.py"}}));
  BOOST_TEST(plan.dirs == Strings{"/folder"});
}

BOOST_AUTO_TEST_CASE(upload_file_under_a_board_file_is_an_error) {
  TempCwd tmp;
  write("f.py", 2);
  FakeRemote r;
  r.add_file("/folder", 4);
  BOOST_CHECK_EXCEPTION(
      plan_upload({"f.py"}, "/folder/", Excludes(), r), MpyError,
      [](const MpyError& e) { return message_is(e, "Error creating file under file: /folder"); });
  r.add_file("a", 4);
  BOOST_CHECK_EXCEPTION(
      plan_upload({"f.py"}, "a/x.py", Excludes(), r), MpyError,
      [](const MpyError& e) { return message_is(e, "Error creating file under file: a"); });
}

BOOST_AUTO_TEST_CASE(upload_file_missing_parent_is_planned) {
  TempCwd tmp;
  write("f.py", 2);
  FakeRemote r;
  const auto plan = plan_upload({"f.py"}, "a/b/x.py", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"f.py", "a/b/x.py"}}));
  BOOST_TEST(plan.dirs == Strings{"a/b"});
  BOOST_TEST(r.stat_calls == (Strings{"a/b/x.py", "a/b"}));
}

BOOST_AUTO_TEST_CASE(upload_file_over_existing_file_needs_no_parent_stat) {
  TempCwd tmp;
  write("f.py", 2);
  FakeRemote r;
  r.add_file("/lib/x.py", 9);
  const auto plan = plan_upload({"f.py"}, "/lib/x.py", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"f.py", "/lib/x.py"}}));
  BOOST_TEST(plan.dirs.empty());
  BOOST_TEST(r.stat_calls == Strings{"/lib/x.py"});
}

BOOST_AUTO_TEST_CASE(upload_file_onto_existing_board_dir_goes_inside) {
  TempCwd tmp;
  write("f.py", 2);
  FakeRemote r;
  r.add_dir("lib");
  const auto plan = plan_upload({"f.py"}, "lib", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"f.py", "lib/f.py"}}));
  BOOST_TEST(plan.dirs.empty());
}

BOOST_AUTO_TEST_CASE(upload_several_sources_to_name_is_an_error) {
  TempCwd tmp;
  write("a", 1);
  write("b", 1);
  FakeRemote r;
  r.add_dir("folder");  // even an existing directory needs the '/' (reference table)
  BOOST_CHECK_EXCEPTION(plan_upload({"a", "b"}, "folder", Excludes(), r), UsageError,
                        [](const UsageError& e) { return message_is(e, kMultiple); });
  BOOST_TEST(r.stat_calls.empty());
}

BOOST_AUTO_TEST_CASE(upload_several_sources_to_root) {
  TempCwd tmp;
  write("a", 1);
  write("b", 2);
  FakeRemote r;
  const auto plan = plan_upload({"a", "b"}, "/", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"a", "/a"}, {"b", "/b"}}));
  BOOST_TEST(plan.files[1].size == 2);
  BOOST_TEST(plan.dirs.empty());
  BOOST_TEST(r.stat_calls.empty());
}

BOOST_AUTO_TEST_CASE(upload_mixed_sources_into_missing_folder) {
  TempCwd tmp;
  make_dir_tree();
  write("a.py", 1);
  write("b.py", 1);
  FakeRemote r;
  const auto plan = plan_upload({"a.py", "dir", "b.py"}, "lib/", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"a.py", "lib/a.py"},
                                   {"dir/a.py", "lib/dir/a.py"},
                                   {"dir/b.txt", "lib/dir/b.txt"},
                                   {"dir/sub/c.py", "lib/dir/sub/c.py"},
                                   {"b.py", "lib/b.py"}}));
  // The parent comes first; one stat for all the files.
  BOOST_TEST(plan.dirs == (Strings{"lib", "lib/dir", "lib/dir/empty", "lib/dir/sub"}));
  BOOST_TEST(r.stat_calls == Strings{"lib"});
}

BOOST_AUTO_TEST_CASE(upload_missing_source) {
  TempCwd tmp;
  write("a.py", 1);
  FakeRemote r;
  BOOST_CHECK_EXCEPTION(
      plan_upload({"a.py", "nope.py"}, "/", Excludes(), r), UsageError,
      [](const UsageError& e) { return message_is(e, "Source not found: nope.py"); });
  // A file given as "contents of" does not exist as a directory.
  BOOST_CHECK_EXCEPTION(
      plan_upload({"a.py/"}, "/", Excludes(), r), UsageError,
      [](const UsageError& e) { return message_is(e, "Source not found: a.py/"); });
  BOOST_TEST(r.stat_calls.empty());
}

BOOST_AUTO_TEST_CASE(upload_walk_applies_excludes_and_sorts) {
  TempCwd tmp;
  write("p/z.py", 1);
  write("p/a.py", 1);
  write("p/m.pyc", 1);
  write("p/__pycache__/x.cpython.pyc", 1);
  write("p/.git/HEAD", 1);
  write("p/notes.txt", 1);
  write("p/b/y.py", 1);
  write("p/a/x.py", 1);
  write("p/a/skip.txt", 1);
  FakeRemote r;
  const auto plan = plan_upload({"p"}, "", Excludes({"*.txt"}), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"p/a.py", "p/a.py"},
                                   {"p/z.py", "p/z.py"},
                                   {"p/a/x.py", "p/a/x.py"},
                                   {"p/b/y.py", "p/b/y.py"}}));
  BOOST_TEST(plan.dirs == (Strings{"p", "p/a", "p/b"}));
}

BOOST_AUTO_TEST_CASE(upload_explicit_source_is_not_excluded) {
  TempCwd tmp;
  write("x.pyc", 4);
  FakeRemote r;
  const auto plan = plan_upload({"x.pyc"}, "", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"x.pyc", "x.pyc"}}));
}

BOOST_AUTO_TEST_CASE(upload_empty_directories_are_created) {
  TempCwd tmp;
  stdfs::create_directories("e/x/y");
  stdfs::create_directories("e/w");
  FakeRemote r;
  const auto plan = plan_upload({"e"}, "/", Excludes(), r);
  BOOST_TEST(plan.files.empty());
  BOOST_TEST(plan.dirs == (Strings{"/e", "/e/w", "/e/x", "/e/x/y"}));
}

BOOST_AUTO_TEST_CASE(upload_sizes_are_local_sizes) {
  TempCwd tmp;
  make_dir_tree();
  FakeRemote r;
  const auto plan = plan_upload({"dir"}, "", Excludes(), r);
  std::vector<std::int64_t> sizes;
  for (const auto& f : plan.files) sizes.push_back(f.size);
  BOOST_TEST(sizes == (std::vector<std::int64_t>{3, 5, 7}));
}

BOOST_AUTO_TEST_CASE(upload_follows_symlinks_inside_and_outside_only_when_asked) {
  TempCwd tmp;
  write("real/f.py", 6);
  write("target.py", 4);
  write("top/in/g.py", 2);
  stdfs::create_directory_symlink("../real", "top/linkdir");
  stdfs::create_directory_symlink("in", "top/alias");
  stdfs::create_symlink("../target.py", "top/link.py");
  FakeRemote r;
  // A file link is content (followed anywhere); a directory link inside the source is
  // followed; one leading outside is skipped and reported.
  auto plan = plan_upload({"top"}, "", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"top/link.py", "top/link.py"},
                                   {"top/alias/g.py", "top/alias/g.py"},
                                   {"top/in/g.py", "top/in/g.py"}}));
  BOOST_TEST(plan.files[0].size == 4);
  BOOST_TEST(plan.dirs == (Strings{"top", "top/alias", "top/in"}));
  BOOST_TEST(plan.skipped == (Strings{"top/linkdir"}));
  plan = plan_upload({"top"}, "", Excludes(), r, true);
  BOOST_TEST(pairs(plan) == (Pairs{{"top/link.py", "top/link.py"},
                                   {"top/alias/g.py", "top/alias/g.py"},
                                   {"top/in/g.py", "top/in/g.py"},
                                   {"top/linkdir/f.py", "top/linkdir/f.py"}}));
  BOOST_TEST(plan.skipped.empty());
}

BOOST_AUTO_TEST_CASE(upload_link_to_a_sibling_with_the_same_prefix_is_outside) {
  TempCwd tmp;
  write("top/a.py", 1);
  write("top2/b.py", 1);
  stdfs::create_directory_symlink("../top2", "top/sib");
  stdfs::create_directory_symlink(stdfs::current_path() / "top", "abs");
  FakeRemote r;
  const auto plan = plan_upload({"top"}, "", Excludes(), r);
  BOOST_TEST(plan.skipped == (Strings{"top/sib"}));
  BOOST_TEST(pairs(plan) == (Pairs{{"top/a.py", "top/a.py"}}));
  // A source named through a link is the link's target.
  BOOST_TEST(plan_upload({"abs"}, "", Excludes(), r).files.size() == 1);
}

BOOST_AUTO_TEST_CASE(upload_symlink_loop_and_dangling_link_are_errors) {
  TempCwd tmp;
  write("loop/a.py", 1);
  stdfs::create_directory_symlink("..", "loop/up");
  FakeRemote r;
  // A loop is an error with or without --follow-links, before anything below it is read.
  for (const bool follow : {false, true}) {
    BOOST_CHECK_EXCEPTION(
        plan_upload({"loop"}, "", Excludes(), r, follow), MpyError,
        [](const MpyError& e) { return message_is(e, "directory loop (symlink) at 'loop/up'"); });
  }
  stdfs::remove("loop/up");
  stdfs::create_directories("loop/sub");
  stdfs::create_directory_symlink("../../loop", "loop/sub/back");
  BOOST_CHECK_EXCEPTION(plan_upload({"loop"}, "", Excludes(), r), MpyError, [](const MpyError& e) {
    return message_is(e, "directory loop (symlink) at 'loop/sub/back'");
  });
  stdfs::create_directories("dang");
  stdfs::create_symlink("missing.py", "dang/x.py");
  BOOST_CHECK_EXCEPTION(
      plan_upload({"dang"}, "", Excludes(), r), UsageError,
      [](const UsageError& e) { return message_is(e, "Source not found: dang/x.py"); });
  // Excluding the link's name skips it.
  BOOST_TEST(plan_upload({"dang"}, "", Excludes({"x.py"}), r).files.empty());
}

BOOST_AUTO_TEST_CASE(upload_dot_source_is_contents_or_renamed) {
  TempCwd tmp;
  make_dir_tree();
  stdfs::current_path("dir");
  FakeRemote r;
  auto plan = plan_upload({"."}, "/app/", Excludes(), r);
  BOOST_TEST(
      pairs(plan) ==
      (Pairs{{"a.py", "/app/a.py"}, {"b.txt", "/app/b.txt"}, {"sub/c.py", "/app/sub/c.py"}}));
  plan = plan_upload({"."}, "app", Excludes(), r);
  BOOST_TEST(plan.files[0].dst == "app/a.py");
  plan = plan_upload({"./"}, "", Excludes(), r);
  BOOST_TEST(plan.files[0].dst == "a.py");
  BOOST_TEST(plan.dirs == (Strings{"empty", "sub"}));
}

BOOST_AUTO_TEST_CASE(upload_dir_to_dot_goes_inside) {
  TempCwd tmp;
  make_dir_tree();
  FakeRemote r;
  const auto plan = plan_upload({"dir"}, ".", Excludes(), r);
  BOOST_TEST(plan.files[0].dst == "./dir/a.py");
}

BOOST_AUTO_TEST_CASE(upload_unusual_names_are_bytes) {
  TempCwd tmp;
  const std::string odd = "sp ace 'q\" b\\s \xc5\xbelt\xc3\xbd.py";
  write("u/" + odd, 3);
  FakeRemote r;
  const auto plan = plan_upload({"u/"}, "/x/", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"u/" + odd, "/x/" + odd}}));
}

// ------------------------------------------------------------------------------------------------
// downloads

BOOST_AUTO_TEST_CASE(download_dir_into_dir_destination) {
  TempCwd tmp;
  FakeRemote r;
  make_remote_tree(r, "dir");
  const auto plan = plan_download({"dir"}, "folder/", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"dir/a.py", "folder/dir/a.py"},
                                   {"dir/b.txt", "folder/dir/b.txt"},
                                   {"dir/sub/c.py", "folder/dir/sub/c.py"}}));
  BOOST_TEST(plan.dirs == (Strings{"folder/dir", "folder/dir/empty", "folder/dir/sub"}));
  BOOST_TEST(plan.files[2].size == 7);
  BOOST_TEST(r.tree_calls == Strings{"dir"});
}

BOOST_AUTO_TEST_CASE(download_dir_into_existing_dir_no_double_basename) {
  TempCwd tmp;
  stdfs::create_directories("out");
  FakeRemote r;
  make_remote_tree(r, "lib");
  for (const char* dest : {"out/", "out"}) {
    const auto plan = plan_download({"lib"}, dest, Excludes(), r);
    BOOST_TEST(plan.files[0].dst == "out/lib/a.py", dest);
    BOOST_TEST(plan.files[2].dst == "out/lib/sub/c.py", dest);
    for (const auto& f : plan.files) BOOST_TEST(f.dst.find("lib/lib") == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(download_dir_contents) {
  TempCwd tmp;
  FakeRemote r;
  make_remote_tree(r, "/dir");
  const auto plan = plan_download({"/dir/"}, "folder/", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"/dir/a.py", "folder/a.py"},
                                   {"/dir/b.txt", "folder/b.txt"},
                                   {"/dir/sub/c.py", "folder/sub/c.py"}}));
  BOOST_TEST(plan.dirs == (Strings{"folder", "folder/empty", "folder/sub"}));
}

BOOST_AUTO_TEST_CASE(download_dir_renamed) {
  TempCwd tmp;
  FakeRemote r;
  make_remote_tree(r, "dir");
  const auto plan = plan_download({"dir"}, "newname", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"dir/a.py", "newname/a.py"},
                                   {"dir/b.txt", "newname/b.txt"},
                                   {"dir/sub/c.py", "newname/sub/c.py"}}));
  BOOST_TEST(plan.dirs == (Strings{"newname", "newname/empty", "newname/sub"}));
}

BOOST_AUTO_TEST_CASE(download_dir_contents_to_name_is_an_error) {
  TempCwd tmp;
  FakeRemote r;
  make_remote_tree(r, "dir");
  BOOST_CHECK_EXCEPTION(plan_download({"dir/"}, "newname", Excludes(), r), UsageError,
                        [](const UsageError& e) { return message_is(e, kMultiple); });
}

BOOST_AUTO_TEST_CASE(download_to_dash_is_stdout) {
  TempCwd tmp;
  stdfs::create_directories("-");  // even a local directory named "-": "./-" names that one
  FakeRemote r;
  r.add_file("f.py", 12);
  make_remote_tree(r, "dir");
  const auto plan = plan_download({"f.py"}, "-", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"f.py", "-"}}));
  BOOST_TEST(plan.files[0].size == 12);
  BOOST_TEST(plan.dirs.empty());
  for (const char* src : {"dir", "dir/", "/"}) {
    BOOST_CHECK_EXCEPTION(
        plan_download({src}, "-", Excludes(), r), UsageError, [&](const UsageError& e) {
          return message_is(e, std::string("cannot copy a directory to '-' (stdout): ") + src);
        });
  }
  BOOST_CHECK_THROW(plan_download({"f.py", "dir/a.py"}, "-", Excludes(), r), UsageError);
  BOOST_CHECK_THROW(plan_download({"nope"}, "-", Excludes(), r), UsageError);
}

BOOST_AUTO_TEST_CASE(download_file_into_dir_destination) {
  TempCwd tmp;
  FakeRemote r;
  r.add_file("f.py", 12);
  auto plan = plan_download({"f.py"}, "out/", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"f.py", "out/f.py"}}));
  BOOST_TEST(plan.files[0].size == 12);
  BOOST_TEST(plan.dirs == Strings{"out"});  // missing: created
  stdfs::create_directories("out");
  plan = plan_download({"f.py"}, "out/", Excludes(), r);
  BOOST_TEST(plan.dirs.empty());
}

BOOST_AUTO_TEST_CASE(download_file_renamed_or_into_existing_dir) {
  TempCwd tmp;
  FakeRemote r;
  r.add_file("/lib/f.py", 1);
  auto plan = plan_download({"/lib/f.py"}, "name", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"/lib/f.py", "name"}}));
  BOOST_TEST(plan.dirs.empty());
  stdfs::create_directories("name");
  plan = plan_download({"/lib/f.py"}, "name", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"/lib/f.py", "name/f.py"}}));
  plan = plan_download({"/lib/f.py"}, "a/b/g.py", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"/lib/f.py", "a/b/g.py"}}));
  BOOST_TEST(plan.dirs == Strings{"a/b"});
}

BOOST_AUTO_TEST_CASE(download_file_into_dot) {
  TempCwd tmp;
  FakeRemote r;
  r.add_file("/main.py", 1);
  const auto plan = plan_download({"/main.py"}, ".", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"/main.py", "main.py"}}));
  BOOST_TEST(plan.dirs.empty());
}

BOOST_AUTO_TEST_CASE(download_root_contents) {
  TempCwd tmp;
  FakeRemote r;
  r.add_file("/boot.py", 2);
  r.add_file("/lib/x.py", 3);
  const auto plan = plan_download({"/"}, "backup/", Excludes(), r);
  BOOST_TEST(pairs(plan) ==
             (Pairs{{"/boot.py", "backup/boot.py"}, {"/lib/x.py", "backup/lib/x.py"}}));
  BOOST_TEST(plan.dirs == (Strings{"backup", "backup/lib"}));
  BOOST_TEST(r.stat_calls.empty());  // "/" is a directory without asking
  BOOST_CHECK_EXCEPTION(plan_download({"/"}, "backup2", Excludes(), r), UsageError,
                        [](const UsageError& e) { return message_is(e, kMultiple); });
}

BOOST_AUTO_TEST_CASE(download_cwd_contents) {
  TempCwd tmp;
  FakeRemote r;
  r.add_file("main.py", 2);
  const auto plan = plan_download({""}, "out/", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"main.py", "out/main.py"}}));
  BOOST_TEST(r.tree_calls == Strings{""});
}

BOOST_AUTO_TEST_CASE(download_several_sources) {
  TempCwd tmp;
  FakeRemote r;
  r.add_file("a.py", 1);
  r.add_file("b.py", 2);
  BOOST_CHECK_EXCEPTION(plan_download({"a.py", "b.py"}, "out", Excludes(), r), UsageError,
                        [](const UsageError& e) { return message_is(e, kMultiple); });
  stdfs::create_directories("out");  // an existing local directory is a directory destination
  const auto plan = plan_download({"a.py", "b.py"}, "out", Excludes(), r);
  BOOST_TEST(pairs(plan) == (Pairs{{"a.py", "out/a.py"}, {"b.py", "out/b.py"}}));
  BOOST_TEST(plan.dirs.empty());
}

BOOST_AUTO_TEST_CASE(download_missing_source) {
  TempCwd tmp;
  FakeRemote r;
  r.add_file("a.py", 1);
  // A board path that does not exist: exit 4 (README "Exit codes"), not a usage error.
  BOOST_CHECK_EXCEPTION(plan_download({"a.py", "nope"}, "out/", Excludes(), r), DeviceError,
                        [](const DeviceError& e) {
                          return message_is(e, "Source not found on device: nope") &&
                                 e.exit_code() == ExitCode::kDevice;
                        });
  BOOST_CHECK_EXCEPTION(
      plan_download({"a.py/"}, "out/", Excludes(), r), DeviceError,
      [](const DeviceError& e) { return message_is(e, "Source not found on device: a.py/"); });
}

BOOST_AUTO_TEST_CASE(download_excludes_sorting_and_empty_dirs) {
  TempCwd tmp;
  FakeRemote r;
  r.add_file("/p/z.py", 1);
  r.add_file("/p/a.py", 1);
  r.add_file("/p/x.pyc", 1);
  r.add_file("/p/__pycache__/q.py", 1);
  r.add_file("/p/n.txt", 1);
  r.add_dir("/p/e/deeper");
  r.add_file("/p/b/y.py", 1);
  const auto plan = plan_download({"/p"}, "o/", Excludes({"*.txt"}), r);
  BOOST_TEST(
      pairs(plan) ==
      (Pairs{{"/p/a.py", "o/p/a.py"}, {"/p/z.py", "o/p/z.py"}, {"/p/b/y.py", "o/p/b/y.py"}}));
  BOOST_TEST(plan.dirs == (Strings{"o/p", "o/p/b", "o/p/e", "o/p/e/deeper"}));
}

BOOST_AUTO_TEST_CASE(download_onto_local_file_is_an_error) {
  TempCwd tmp;
  write("taken", 1);
  FakeRemote r;
  make_remote_tree(r, "dir");
  BOOST_CHECK_EXCEPTION(plan_download({"dir"}, "taken", Excludes(), r), MpyError,
                        [](const MpyError& e) {
                          return message_is(e, "Error creating directory, this is file: taken");
                        });
  r.add_file("f.py", 1);
  BOOST_CHECK_EXCEPTION(
      plan_download({"f.py"}, "taken/x.py", Excludes(), r), MpyError,
      [](const MpyError& e) { return message_is(e, "Error creating file under file: taken"); });
}

// ------------------------------------------------------------------------------------------------
// board to board

BOOST_AUTO_TEST_CASE(remote_copy_destinations) {
  FakeRemote r;
  r.add_file("a.py", 4);
  r.add_file("/lib/b.py", 5);
  r.add_dir("/dst");
  auto plan = plan_remote_copy({"a.py"}, "x.py", r);
  BOOST_TEST(pairs(plan) == (Pairs{{"a.py", "x.py"}}));
  BOOST_TEST(plan.files[0].size == 4);
  plan = plan_remote_copy({"a.py"}, "/dst", r);
  BOOST_TEST(pairs(plan) == (Pairs{{"a.py", "/dst/a.py"}}));
  plan = plan_remote_copy({"a.py", "/lib/b.py"}, "/dst/", r);
  BOOST_TEST(pairs(plan) == (Pairs{{"a.py", "/dst/a.py"}, {"/lib/b.py", "/dst/b.py"}}));
  BOOST_TEST(plan.dirs.empty());
  plan = plan_remote_copy({"/lib/b.py"}, "/new/", r);
  BOOST_TEST(pairs(plan) == (Pairs{{"/lib/b.py", "/new/b.py"}}));
  BOOST_TEST(plan.dirs == Strings{"/new"});
  plan = plan_remote_copy({"/lib/b.py"}, "", r);
  BOOST_TEST(pairs(plan) == (Pairs{{"/lib/b.py", "b.py"}}));
}

BOOST_AUTO_TEST_CASE(remote_copy_errors) {
  FakeRemote r;
  r.add_file("a.py", 4);
  r.add_file("b.py", 4);
  r.add_dir("lib");
  BOOST_CHECK_EXCEPTION(plan_remote_copy({"lib"}, "x/", r), UsageError, [](const UsageError& e) {
    return message_is(e, "Remote-to-remote directory copy not supported");
  });
  BOOST_CHECK_EXCEPTION(plan_remote_copy({"/"}, "x/", r), UsageError, [](const UsageError& e) {
    return message_is(e, "Remote-to-remote directory copy not supported");
  });
  BOOST_CHECK_EXCEPTION(plan_remote_copy({"a.py", "b.py"}, "lib", r), UsageError,
                        [](const UsageError& e) { return message_is(e, kMultiple); });
  BOOST_CHECK_EXCEPTION(plan_remote_copy({"nope"}, "x", r), DeviceError, [](const DeviceError& e) {
    return message_is(e, "Source not found on device: nope") && e.exit_code() == ExitCode::kDevice;
  });
  BOOST_CHECK_EXCEPTION(plan_remote_copy({"a.py"}, "b.py/", r), MpyError, [](const MpyError& e) {
    return message_is(e, "Error creating file under file: b.py");
  });
}

// ------------------------------------------------------------------------------------------------
// board names

namespace {

// A board that lists what it is told to (whatever the names), for any directory asked.
class LyingRemote : public RemoteView {
 public:
  TreeNode root;
  std::optional<std::int64_t> stat(std::string_view) override { return -1; }
  TreeNode tree(std::string_view) override { return root; }
};

TreeNode file_node(std::string name, std::int64_t size = 1) {
  return {std::move(name), size, std::nullopt};
}

TreeNode dir_node(std::string name, std::vector<TreeNode> children) {
  TreeNode n{std::move(name), 0, std::vector<TreeNode>{}};
  *n.children = std::move(children);
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(board_name_problems) {
  BOOST_TEST(safe_board_name("a.py"));
  BOOST_TEST(safe_board_name("..."));
  BOOST_TEST(safe_board_name(".hidden"));
  BOOST_TEST(safe_board_name("a..b"));
  BOOST_TEST(safe_board_name("\x1b[2J"));  // legal, shown escaped
  BOOST_TEST(safe_board_name("tab\there"));
  BOOST_TEST(safe_board_name("\xff\xfe"));  // not UTF-8, still one component
  BOOST_TEST(safe_board_name("caf\xc3\xa9"));
  BOOST_TEST(std::string(board_name_problem("")) == "empty name");
  BOOST_TEST(std::string(board_name_problem(".")) == "not a file name");
  BOOST_TEST(std::string(board_name_problem("..")) == "not a file name");
  BOOST_TEST(std::string(board_name_problem("../x")) == "contains '/'");
  BOOST_TEST(std::string(board_name_problem("/etc/passwd")) == "contains '/'");
  BOOST_TEST(std::string(board_name_problem("a/../../x")) == "contains '/'");
  BOOST_TEST(std::string(board_name_problem("x/")) == "contains '/'");
  BOOST_TEST(std::string(board_name_problem(std::string("a\0b", 3))) == "contains NUL");
  BOOST_TEST(!safe_board_name(std::string(1, '\0')));
}

BOOST_AUTO_TEST_CASE(refused_message_names_the_directory_and_escapes) {
  BOOST_TEST(refused_message({"/dir", ".."}) ==
             "refused board name '..' in ':/dir' (not a file name)");
  BOOST_TEST(refused_message({"", "../x"}) == "refused board name '../x' in ':.' (contains '/')");
  BOOST_TEST(refused_message({"/d", std::string("\x1b[2J/\0", 6)}) ==
             "refused board name '\\x1b[2J/\\x00' in ':/d' (contains '/')");
  BOOST_TEST(refused_message({"/d", ""}) == "refused board name '' in ':/d' (empty name)");
}

BOOST_AUTO_TEST_CASE(path_within_is_lexical) {
  TempCwd tmp;
  BOOST_TEST(path_within("dest", "dest/a"));
  BOOST_TEST(path_within("dest/", "dest/a/b"));
  BOOST_TEST(path_within("dest", "dest"));
  BOOST_TEST(path_within("dest", "./dest/x/../y"));
  BOOST_TEST(path_within(".", "a"));
  BOOST_TEST(path_within(tmp.root() / "dest", "dest/a"));
  BOOST_TEST(path_within("/", "/etc/passwd"));
  BOOST_TEST(!path_within("dest", "dest/../x"));
  BOOST_TEST(!path_within("dest", "dest/a/../../x"));
  BOOST_TEST(!path_within("dest", "destination/x"));
  BOOST_TEST(!path_within("dest", "/etc/passwd"));
  BOOST_TEST(!path_within("dest", "."));
  BOOST_TEST(!path_within("a/b", "a"));
  // What std::filesystem does with an absolute name: the join replaces the directory.
  BOOST_TEST(!path_within("dest", stdfs::path("dest") / "/tmp/abs"));
}

BOOST_AUTO_TEST_CASE(download_refuses_names_that_leave_the_destination) {
  TempCwd tmp;
  LyingRemote r;
  const std::string esc = "\x1b[2Jesc.txt";
  r.root = dir_node("/evil", {
                                 file_node("good.txt", 5),
                                 file_node("../x"),
                                 file_node((tmp.root() / "abs.txt").string()),
                                 file_node("a/../../x"),
                                 dir_node("..", {file_node("up.txt")}),
                                 dir_node(".", {file_node("here.txt")}),
                                 file_node(""),
                                 file_node(std::string("a\0b", 3)),
                                 file_node(esc, 3),
                                 dir_node("sub", {file_node("in.txt", 2), file_node("../../deep")}),
                                 dir_node("bad/dir", {file_node("pwn.txt")}),
                             });
  for (const char* src : {"/evil/", "/evil"}) {
    const auto plan = plan_download({src}, "dest/", Excludes(), r);
    const std::string base = std::string(src) == "/evil/" ? "dest" : "dest/evil";
    BOOST_TEST(pairs(plan) == (Pairs{{"/evil/" + esc, base + "/" + esc},
                                     {"/evil/good.txt", base + "/good.txt"},
                                     {"/evil/sub/in.txt", base + "/sub/in.txt"}}),
               src);
    BOOST_TEST(plan.dirs == (Strings{base, base + "/sub"}), src);
    for (const auto& f : plan.files) {
      BOOST_TEST(f.root == base);
      BOOST_TEST(path_within(f.root, f.dst));
    }
    std::vector<std::string> refused;
    for (const auto& x : plan.refused) refused.push_back(x.dir + " | " + x.name);
    BOOST_TEST(refused == (Strings{"/evil | ../x", "/evil | " + (tmp.root() / "abs.txt").string(),
                                   "/evil | a/../../x", "/evil | ..", "/evil | .", "/evil | ",
                                   "/evil | " + std::string("a\0b", 3), "/evil | bad/dir",
                                   "/evil/sub | ../../deep"}),
               src);
  }
  // Nothing was created by planning.
  BOOST_TEST(stdfs::is_empty(tmp.root()));
}

BOOST_AUTO_TEST_CASE(download_of_a_good_tree_refuses_nothing) {
  TempCwd tmp;
  FakeRemote r;
  make_remote_tree(r, "/dir");
  const auto plan = plan_download({"/dir/"}, "folder/", Excludes(), r);
  BOOST_TEST(plan.refused.empty());
  for (const auto& f : plan.files) BOOST_TEST(f.root == "folder");
  // A single file keeps no root: its name is the user's.
  r.add_file("/f.py", 3);
  BOOST_TEST(plan_download({"/f.py"}, "out/", Excludes(), r).files.at(0).root.empty());
}

// ------------------------------------------------------------------------------------------------
// display

BOOST_AUTO_TEST_CASE(display_local_relative_or_absolute) {
  TempCwd tmp;
  stdfs::create_directories("a/b/c");
  stdfs::current_path("a/b/c");
  const auto cwd = stdfs::current_path();
  BOOST_TEST(display_local("x.py") == "x.py");
  BOOST_TEST(display_local("./d/x.py") == "d/x.py");
  BOOST_TEST(display_local(cwd / "y.py") == "y.py");
  BOOST_TEST(display_local("../x.py") == "../x.py");
  BOOST_TEST(display_local("../../x.py") == "../../x.py");
  BOOST_TEST(display_local("../../../x.py") == (cwd / "../../../x.py").lexically_normal().string());
  BOOST_TEST(display_local("/") == "/");
  BOOST_TEST(display_local(".") == ".");
  BOOST_TEST(display_local("d/") == "d");
}

BOOST_AUTO_TEST_SUITE_END()
