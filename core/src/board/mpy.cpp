// SPDX-License-Identifier: MIT
// The board as a device (docs/compatibility.md, "Board helpers", "Device information", "Reset").
// Queries are shaped so that each answer is one exec round trip, and the first use of a helper
// costs one more.
#include "mpytool/board/mpy.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <functional>

#include "mpytool/base/deflate.hpp"
#include "mpytool/base/digest.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/board/helpers.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool {

namespace {

constexpr double kHelperTimeout = 10.0;
// Helpers larger than this travel compressed when the board has `deflate` (the agent of the fs
// plugin shrinks from 3.8 KB to 2 KB, which matters at 115200 baud).
constexpr std::size_t kCompressHelpersAbove = 1024;

// `exec(<source inflated on the board>)`; a window of 4 KiB for a bundle of helpers (about 12%
// smaller than with 1 KiB).
std::string compressed_loader(std::string_view source) {
  return "exec(" + inflate_expression(source, source.size() > 4096 ? 12 : 10) + ")";
}

// One round trip for everything platform() reports. os.uname() and _mpy are optional.
constexpr std::string_view kPlatformCode =
    "import sys\n"
    "try:\n"
    " import os;_mt_m=os.uname()[4]\n"
    "except Exception:\n"
    " _mt_m=''\n"
    "print((sys.platform,sys.version,sys.implementation.name,"
    "tuple(sys.implementation.version),_mt_m,getattr(sys.implementation,'_mpy',None)))\n"
    "del _mt_m\n";

std::string repr_str_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += repr_str(items[i]);
  }
  return out + "]";
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

std::string inflate_expression(std::string_view data, int window_bits) {
  const std::string packed =
      deflate_all(data, {.level = 9, .window_bits = window_bits, .mem_level = 9});
  std::string b64(4 * ((packed.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                reinterpret_cast<const unsigned char*>(packed.data()),
                                static_cast<int>(packed.size()));
  b64.resize(static_cast<std::size_t>(n));
  return "__import__('deflate').DeflateIO(__import__('io').BytesIO(__import__('ubinascii')"
         ".a2b_base64('" +
         b64 + "'))).read()";
}

Mpy::Mpy(Conn& conn) : conn_(conn), comm_(conn) {
  // A program that soft-rebooted the board (SystemExit): modules, helpers and the platform
  // cache are gone with its RAM; the raw REPL is there again.
  comm_.set_soft_reboot_handler([this] {
    modules_.clear();
    helpers_loaded_.clear();
    platform_.reset();
    notify_board_reset();
  });
}
Mpy::~Mpy() = default;

void Mpy::import_module(std::string_view module) {
  if (modules_.find(module) != modules_.end()) return;
  comm_.exec(fmt::format("import {}", module));
  modules_.emplace(module);
}

Mpy::HelperRef Mpy::helper(std::string_view name) const {
  if (auto it = helper_sources_.find(name); it != helper_sources_.end()) {
    return {it->second.source, it->second.needs};
  }
  if (const HelperSpec* spec = find_helper(name)) {
    return {spec->source, {spec->needs.begin(), spec->needs.end()}};
  }
  throw MpyError(fmt::format("unknown helper '{}'", name));
}

void Mpy::load_helpers(const std::vector<std::string_view>& names) {
  std::vector<std::string> added;  // dependencies first
  std::string source;              // of those the board does not hold yet
  std::function<void(std::string_view)> add = [&](std::string_view name) {
    if (helpers_loaded_.count(name) != 0 || contains(added, std::string(name))) return;
    const HelperRef h = helper(name);
    for (const std::string& dep : h.needs) add(dep);
    added.emplace_back(name);
    const std::uint32_t crc = crc32_of(h.source);
    if (comm_.guard().kept(crc)) return;
    source += h.source;
    if (!source.empty() && source.back() != '\n') source += '\n';
    source += comm_.guard().keep(crc);
  };
  for (std::string_view name : names) add(name);
  bool loaded = source.empty();
  if (!loaded && source.size() > kCompressHelpersAbove && compressed_helpers_ != false) {
    try {
      comm_.try_raw_paste(compressed_loader(source), kHelperTimeout);
      compressed_helpers_ = true;
      loaded = true;
    } catch (const CmdError&) {
      // No deflate (or no memory for it): send the source as it is from now on.
      compressed_helpers_ = false;
    }
  }
  if (!loaded) comm_.try_raw_paste(source, kHelperTimeout);
  for (std::string& name : added) helpers_loaded_.emplace(std::move(name));
}

std::string Mpy::take_helper(std::string_view name) {
  if (helpers_loaded_.find(name) != helpers_loaded_.end()) return {};
  const HelperRef h = helper(name);
  const std::string_view source = h.source;
  const std::uint32_t crc = crc32_of(source);
  if (source.size() > kCompressHelpersAbove || !h.needs.empty() || comm_.guard().kept(crc)) {
    load_helper(name);
    return {};
  }
  helpers_loaded_.emplace(name);
  std::string code(source);
  if (!code.empty() && code.back() != '\n') code += '\n';
  return code + comm_.guard().keep(crc);
}

void Mpy::forget_helper(std::string_view name) {
  if (auto it = helpers_loaded_.find(name); it != helpers_loaded_.end()) helpers_loaded_.erase(it);
}

void Mpy::register_helper(std::string name, std::string source, std::vector<std::string> needs) {
  // A changed source must be sent again; the same one stays loaded.
  if (auto it = helper_sources_.find(name);
      it != helper_sources_.end() && it->second.source == source && it->second.needs == needs) {
    return;
  }
  helpers_loaded_.erase(name);
  helper_sources_[std::move(name)] = {std::move(source), std::move(needs)};
}

void Mpy::reset_state() {
  modules_.clear();
  helpers_loaded_.clear();
  compressed_helpers_.reset();
  platform_.reset();
  comm_.reset_state();
  for (std::size_t i = 0; i < extensions_.size(); ++i) extensions_[i].second->state_reset(*this);
}

const PlatformInfo& Mpy::platform() {
  if (platform_) return *platform_;
  PyValue v = parse_literal(comm_.exec(kPlatformCode, 5.0));
  if (v.type() != PyValue::Type::kTuple || v.size() != 6) {
    throw MpyError("cannot parse board reply: unexpected platform tuple " + v.repr());
  }
  PlatformInfo info;
  info.platform = v[0].as_str();
  info.version = v[1].as_str();
  info.impl_name = v[2].as_str();
  // Newer firmware appends a release-level string ('' or 'preview'); only numbers count.
  for (const PyValue& part : v[3].items()) {
    if (part.is_int()) info.impl_version.push_back(part.as_int());
  }
  if (v[4].is_str()) info.machine = v[4].as_str();
  if (v[5].is_int()) {
    std::int64_t mpy = v[5].as_int();
    info.mpy_ver = static_cast<int>(mpy & 0xff);
    info.mpy_sub = static_cast<int>((mpy >> 8) & 0x3);
    info.mpy_arch = static_cast<int>((mpy >> 10) & 0xf);
  }
  modules_.emplace("sys");
  platform_ = std::move(info);
  return *platform_;
}

std::optional<std::string> Mpy::unique_id() {
  load_helper("info");
  PyValue v = comm_.exec_eval("repr(_mt_uid())");
  if (!v.is_str()) return std::nullopt;
  return v.as_str();
}

std::vector<std::pair<std::string, std::string>> Mpy::mac_addresses() {
  load_helper("info");
  // Creating WLAN objects can take a while on some ports.
  PyValue v = comm_.exec_eval("_mt_macs()", 10.0);
  std::vector<std::pair<std::string, std::string>> out;
  for (const PyValue& entry : v.items()) out.emplace_back(entry[0].as_str(), entry[1].as_str());
  return out;
}

MemoryInfo Mpy::memory() {
  PyValue v = parse_literal(
      comm_.exec("import gc\ngc.collect()\nprint((gc.mem_free(),gc.mem_alloc()))", 5.0));
  modules_.emplace("gc");
  MemoryInfo info;
  info.free = v[0].as_int();
  info.alloc = v[1].as_int();
  info.total = info.free + info.alloc;
  return info;
}

std::vector<FsInfo> Mpy::filesystems() {
  load_helper("info");
  PyValue v = comm_.exec_eval("_mt_fs()", 10.0);
  std::vector<FsInfo> out;
  for (const PyValue& entry : v.items()) {
    out.push_back(FsInfo{entry[0].as_str(), entry[1].as_int(), entry[2].as_int()});
  }
  return out;
}

void Mpy::stop() {
  reset_state();
  comm_.stop_current_operation();
}

void Mpy::soft_reset() {
  comm_.soft_reset();
  reset_state();
  notify_board_reset();
}

void Mpy::soft_reset_raw() {
  comm_.soft_reset_raw();
  // RAM is cleared, so modules and helpers are gone; the raw-REPL state and the raw-paste
  // answer (a firmware property) stay valid, which saves a probe on the next exec.
  modules_.clear();
  helpers_loaded_.clear();
  platform_.reset();
  notify_board_reset();
}

void Mpy::machine_reset(bool reconnect, std::optional<double> timeout) {
  comm_.enter_raw_repl();
  // No wait for OK: the board may reset before it is sent.
  conn_.write("import machine; machine.reset()\x04");
  reset_state();
  notify_board_reset();
  if (reconnect) conn_.reconnect(timeout.value_or(10.0));
}

void Mpy::machine_bootloader() {
  comm_.enter_raw_repl();
  conn_.write("import machine; machine.bootloader()\x04");
  reset_state();
}

void Mpy::hard_reset() { reset_by(nullptr, false); }

void Mpy::hard_reset(const ResetSequence& seq) { reset_by(&seq, false); }

void Mpy::reset_to_bootloader() { reset_by(nullptr, true); }

void Mpy::reset_to_bootloader(const ResetSequence& seq) { reset_by(&seq, true); }

void Mpy::reset_by(const ResetSequence* seq, bool bootloader) {
  try {
    if (seq) {
      conn_.run_reset_sequence(*seq);
    } else if (bootloader) {
      conn_.reset_to_bootloader();
    } else {
      conn_.hard_reset();
    }
  } catch (const ConnError& e) {
    throw MpyError(
        fmt::format("{} reset failed: {}", bootloader ? "Bootloader" : "Hardware", e.what()));
  }
  reset_state();
  if (!bootloader) notify_board_reset();
}

std::string Mpy::getcwd() {
  import_module("os");
  return comm_.exec_eval("repr(os.getcwd())").as_str();
}

void Mpy::chdir(std::string_view path) {
  import_module("os");
  try {
    comm_.exec(fmt::format("os.chdir({})", repr_str(path)));
  } catch (const CmdError&) {
    throw DirNotFound(std::string(path));
  }
  // Remember the absolute result: a relative path means nothing after a reboot.
  try {
    chosen_cwd_ = getcwd();
  } catch (const MpyError&) {
    chosen_cwd_ = std::string(path);
  }
}

std::vector<std::string> Mpy::get_sys_path() {
  import_module("sys");
  std::vector<std::string> out;
  const PyValue v = comm_.exec_eval("sys.path");  // named: items() refers into it
  for (const PyValue& p : v.items()) out.push_back(p.as_str());
  return out;
}

void Mpy::set_sys_path(const std::vector<std::string>& paths) {
  import_module("sys");
  comm_.exec("sys.path = " + repr_str_list(paths));
  chosen_sys_path_ = paths;
}

void Mpy::prepend_sys_path(const std::vector<std::string>& paths) {
  std::vector<std::string> result;
  for (const auto& p : paths) {
    if (!contains(result, p)) result.push_back(p);
  }
  for (const auto& p : get_sys_path()) {
    if (!contains(result, p)) result.push_back(p);
  }
  set_sys_path(result);
}

void Mpy::append_sys_path(const std::vector<std::string>& paths) {
  std::vector<std::string> result = get_sys_path();
  for (const auto& p : paths) {
    if (!contains(result, p)) result.push_back(p);
  }
  set_sys_path(result);
}

void Mpy::remove_from_sys_path(const std::vector<std::string>& paths) {
  std::vector<std::string> result;
  for (const auto& p : get_sys_path()) {
    if (!contains(paths, p)) result.push_back(p);
  }
  set_sys_path(result);
}

SessionExtension& Mpy::attach(std::string key, std::unique_ptr<SessionExtension> extension) {
  for (auto& [k, e] : extensions_) {
    if (k == key) {
      e = std::move(extension);
      return *e;
    }
  }
  extensions_.emplace_back(std::move(key), std::move(extension));
  return *extensions_.back().second;
}

SessionExtension* Mpy::extension(std::string_view key) const {
  for (const auto& [k, e] : extensions_) {
    if (k == key) return e.get();
  }
  return nullptr;
}

void Mpy::detach(std::string_view key) {
  std::erase_if(extensions_, [&](const auto& entry) { return entry.first == key; });
}

void Mpy::service(bool idle) {
  // An extension's work (a remount) talks to the board, which may come back here.
  if (servicing_) return;
  servicing_ = true;
  struct Done {
    bool& flag;
    ~Done() { flag = false; }
  } done{servicing_};
  for (std::size_t i = 0; i < extensions_.size(); ++i) extensions_[i].second->service(*this, idle);
}

void Mpy::close_session() noexcept {
  for (auto& entry : extensions_) entry.second->close(*this);
  extensions_.clear();
}

void Mpy::notify_board_reset() {
  for (std::size_t i = 0; i < extensions_.size(); ++i) extensions_[i].second->board_reset(*this);
}

std::string Mpy::escape_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace mpytool
