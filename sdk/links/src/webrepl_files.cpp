// SPDX-License-Identifier: MIT
#include "mpytool/links/webrepl_files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "mpytool/base/error.hpp"

namespace mpytool::links {

namespace {

constexpr int kPut = 1, kGet = 2, kGetVer = 3;
constexpr std::size_t kRequestSize = 82;

void put_le(std::string& out, std::size_t at, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::string hex_prefix(std::string_view data) {
  std::string out;
  for (std::size_t i = 0; i < data.size() && i < 8; ++i) {
    out += fmt::format("{:02x}", static_cast<unsigned char>(data[i]));
  }
  if (data.size() > 8) out += "...";
  return out;
}

}  // namespace

WebreplFiles::WebreplFiles(BinaryChannel& channel) : WebreplFiles(channel, Options{}) {}

WebreplFiles::WebreplFiles(BinaryChannel& channel, Options options)
    : channel_(channel), options_(options) {}

void WebreplFiles::check_name(std::string_view name) {
  if (name.empty()) throw UsageError("the WebREPL file protocol needs a file name");
  if (name.find('\0') != std::string_view::npos) {
    throw UsageError(
        fmt::format("the name '{}' holds a NUL byte: the WebREPL file protocol cannot carry it",
                    std::string(name.substr(0, name.find('\0')))));
  }
  if (name.size() > kMaxName) {
    throw UsageError(fmt::format(
        "the name '{}' is too long for the WebREPL file protocol ({} bytes, at most {})", name,
        name.size(), kMaxName));
  }
}

void WebreplFiles::check_size(std::string_view name, std::uint64_t size) {
  if (size > kMaxSize) {
    throw UsageError(fmt::format(
        "'{}' is too large for the WebREPL file protocol ({} bytes, less than 4 GiB)", name, size));
  }
}

std::string WebreplFiles::request(int type, std::string_view name, std::uint32_t size) {
  std::string rec(kRequestSize, '\0');
  rec[0] = 'W';
  rec[1] = 'A';
  rec[2] = static_cast<char>(type);
  // flags (3) and offset (4..11) stay 0: the board ignores the offset.
  put_le(rec, 12, size, 4);
  put_le(rec, 16, name.size(), 2);
  std::copy(name.begin(), name.end(), rec.begin() + 18);
  return rec;
}

std::string WebreplFiles::read(std::string_view what, std::string_view name, double timeout) {
  try {
    return channel_.read_binary(timeout);
  } catch (const Timeout&) {
    throw Timeout(fmt::format("the board did not answer the WebREPL {} of '{}' within {:g}s", what,
                              name, timeout));
  } catch (const ConnLost&) {
    throw ConnLost(
        fmt::format("the board closed the WebREPL session on {} of '{}' (it could not open it: {})",
                    what, name, what == "GET" ? "no such file?" : "a missing directory?"));
  }
}

void WebreplFiles::expect_wb(std::string_view what, std::string_view name, double timeout) {
  std::string a = read(what, name, timeout);
  if (a.size() != 4 || a[0] != 'W' || a[1] != 'B') {
    throw DeviceError(fmt::format(
        "unexpected answer from the board's WebREPL file protocol to the {} of '{}': {} bytes {}",
        what, name, a.size(), hex_prefix(a)));
  }
  const int code = static_cast<unsigned char>(a[2]) | static_cast<unsigned char>(a[3]) << 8;
  if (code != 0) {
    throw DeviceError(
        fmt::format("the board's WebREPL refused the {} of '{}' (code {})", what, name, code));
  }
}

WebreplFiles::Version WebreplFiles::version() {
  channel_.send_binary(request(kGetVer, {}, 0));
  std::string v;
  try {
    v = channel_.read_binary(options_.timeout);
  } catch (const Timeout&) {
    throw Timeout(fmt::format("the board did not answer the WebREPL version request within {:g}s",
                              options_.timeout));
  }
  if (v.size() != 3) {
    throw DeviceError(fmt::format("unexpected answer to the WebREPL version request: {} bytes {}",
                                  v.size(), hex_prefix(v)));
  }
  return {static_cast<unsigned char>(v[0]), static_cast<unsigned char>(v[1]),
          static_cast<unsigned char>(v[2])};
}

void WebreplFiles::put(std::string_view name, std::string_view data, const Progress& progress) {
  check_name(name);
  check_size(name, data.size());
  const auto total = static_cast<std::uint64_t>(data.size());
  channel_.send_binary(request(kPut, name, static_cast<std::uint32_t>(data.size())));
  expect_wb("PUT", name, options_.timeout);
  if (progress) progress(0, total);
  for (std::size_t off = 0; off < data.size(); off += kPutFrame) {
    const std::size_t n = std::min(kPutFrame, data.size() - off);
    channel_.send_binary(data.substr(off, n));
    if (progress) progress(off + n, total);
  }
  // The data may still be queued on its way: the board confirms once it has stored the last
  // byte.
  const double wait =
      options_.timeout +
      (options_.min_rate > 0 ? static_cast<double>(total) / options_.min_rate : 0.0);
  try {
    expect_wb("PUT", name, wait);
  } catch (const Timeout&) {
    throw Timeout(fmt::format(
        "the board did not confirm the WebREPL upload of '{}' within {:g}s: its file protocol is "
        "out of step, reconnect",
        name, wait));
  }
}

std::string WebreplFiles::get(std::string_view name, const Progress& progress) {
  check_name(name);
  channel_.send_binary(request(kGet, name, 0));
  expect_wb("GET", name, options_.timeout);
  std::string out;
  const std::string ask(1, '\0');
  for (;;) {
    channel_.send_binary(ask);
    std::string a = read("GET", name, options_.timeout);
    if (a.size() < 2) {
      throw DeviceError(
          fmt::format("unexpected answer from the board's WebREPL file protocol to the GET of "
                      "'{}': {} bytes {}",
                      name, a.size(), hex_prefix(a)));
    }
    const std::size_t n = static_cast<unsigned char>(a[0]) |
                          static_cast<std::size_t>(static_cast<unsigned char>(a[1])) << 8;
    if (n > kGetChunk || a.size() != 2 + n) {
      throw DeviceError(
          fmt::format("unexpected answer from the board's WebREPL file protocol to the GET of "
                      "'{}': a chunk of {} bytes announced, {} received",
                      name, n, a.size() - 2));
    }
    if (n == 0) break;
    out.append(a, 2, n);
    if (progress) progress(out.size(), 0);
  }
  expect_wb("GET", name, options_.timeout);
  return out;
}

}  // namespace mpytool::links
