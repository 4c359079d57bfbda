// SPDX-License-Identifier: MIT
#include "mpytool/flash_transfer.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>

#include "mpytool/block_plan.hpp"
#include "mpytool/error.hpp"
#include "mpytool/mpy.hpp"
#include "mpytool/output.hpp"
#include "mpytool/py_value.hpp"

namespace mpytool {

namespace {

constexpr std::size_t kHashLen = 8;
constexpr std::size_t kBlocksPerExec = 4;
constexpr double kTimeout = 30.0;

std::string to_hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

std::string decode_base64(std::string_view text) {
  std::string out(3 * (text.size() / 4) + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) throw MpyError("cannot parse board reply: bad base64 block data");
  out.resize(static_cast<std::size_t>(n));
  // EVP_DecodeBlock counts padding as data.
  std::size_t pad = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++pad;
  out.resize(out.size() - std::min(pad, out.size()));
  return out;
}

namespace {

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return to_hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::uint16_t le16(std::string_view d, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(d[at]) |
                                    (static_cast<unsigned char>(d[at + 1]) << 8));
}

}  // namespace

FlashProgress progress_line(Output& out, std::string what) {
  return [&out, what](std::size_t done, std::size_t total) {
    const double pct =
        total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
    out.progress(
        1, fmt::format("  {}: {:.0f}% {} / {}", what, pct, format_size(static_cast<double>(done)),
                       format_size(static_cast<double>(total))));
  };
}

FsSignature detect_filesystem(std::string_view d) {
  FsSignature s;
  s.type = "unknown";
  if (d.size() < 16) return s;
  if (d.substr(8, 8) == "littlefs") {
    s.type = "littlefs2";
    return s;
  }
  if (d.size() >= 512 && static_cast<unsigned char>(d[510]) == 0x55 &&
      static_cast<unsigned char>(d[511]) == 0xAA) {
    s.cluster = std::size_t{le16(d, 11)} * static_cast<unsigned char>(d[13]);
    if (d.substr(3, 8) == "EXFAT   ") {
      s.type = "exfat";
    } else if (d.substr(54, 8) == "FAT16   ") {
      s.type = "fat16";
    } else if (d.substr(82, 8) == "FAT32   ") {
      s.type = "fat32";
    } else if (d.substr(54, 5) == "FAT12") {
      s.type = "fat12";
    } else {
      s.type = "fat";
    }
    return s;
  }
  std::vector<std::string> hex;
  for (std::size_t i = 0; i < 16; ++i) {
    hex.push_back(fmt::format("{:02x}", static_cast<unsigned char>(d[i])));
  }
  s.magic = fmt::format("{}", fmt::join(hex, " "));
  return s;
}

FlashTransfer::FlashTransfer(Mpy& mpy, BlockDevice device) : mpy_(mpy), dev_(std::move(device)) {}

FlashTransfer::~FlashTransfer() {
  if (!bound_) return;
  try {
    mpy_.comm().exec("del _mt_fd", 5.0);
  } catch (...) {
  }
}

void FlashTransfer::bind() {
  mpy_.load_helper("flash");
  if (bound_) return;
  mpy_.comm().exec("_mt_fd=" + dev_.expr, 10.0);
  bound_ = true;
}

std::vector<std::string> FlashTransfer::block_hashes(std::size_t blocks) {
  bind();
  const std::string hex =
      mpy_.comm()
          .exec_eval(fmt::format("repr(_mt_fbh(_mt_fd,{},{}))", dev_.block_size, blocks),
                     kTimeout + static_cast<double>(blocks) / 20)
          .as_str();
  std::vector<std::string> out;
  for (std::size_t i = 0; i + 2 * kHashLen <= hex.size(); i += 2 * kHashLen) {
    out.push_back(from_hex(std::string_view(hex).substr(i, 2 * kHashLen)));
  }
  return out;
}

std::string FlashTransfer::sha256(std::size_t bytes) {
  bind();
  return mpy_.comm()
      .exec_eval(fmt::format("repr(_mt_fsha(_mt_fd,{},{}))", dev_.block_size, bytes),
                 kTimeout + static_cast<double>(bytes) / 50000)
      .as_str();
}

FlashWriteResult FlashTransfer::write(std::string_view data, const FlashProgress& progress,
                                      std::optional<bool> compress) {
  if (data.size() > dev_.size) {
    throw MpyError(fmt::format("Data too large: {} > {} bytes", data.size(), dev_.size));
  }
  const std::size_t bs = dev_.block_size;
  FlashWriteResult r;
  r.bytes = data.size();
  r.blocks = (data.size() + bs - 1) / bs;
  std::string padded(data);
  padded.resize(r.blocks * bs, '\xff');
  const auto runs = plan_blocks(padded, bs, block_hashes(r.blocks), kHashLen, kBlocksPerExec);
  bool deflate = compress.value_or(true);
  std::size_t done = 0;
  const std::size_t todo = blocks_in(runs) * bs;
  if (progress) progress(0, todo);
  for (const BlockRun& run : runs) {
    const std::string_view chunk = std::string_view(padded).substr(run.first * bs, run.count * bs);
    std::string expr = "__import__('ubinascii').a2b_base64('" + base64(chunk) + "')";
    std::size_t wire = expr.size();
    if (deflate) {
      std::string packed = inflate_expression(chunk);
      if (packed.size() + 20 < expr.size()) {
        expr = std::move(packed);
        wire = expr.size();
        r.compressed = true;
      }
    }
    try {
      mpy_.comm().exec(fmt::format("_mt_fd.writeblocks({},{})", run.first, expr), kTimeout);
    } catch (const CmdError& e) {
      if (deflate && !compress && e.error().find("deflate") != std::string::npos) {
        deflate = false;  // the board cannot inflate: raw from now on
        mpy_.comm().exec(
            fmt::format("_mt_fd.writeblocks({},__import__('ubinascii').a2b_base64('{}'))",
                        run.first, base64(chunk)),
            kTimeout);
      } else {
        throw;
      }
    }
    r.wire_bytes += wire;
    r.blocks_written += run.count;
    done += run.count * bs;
    if (progress) progress(done, todo);
  }
  r.sha256 = sha256(data.size());
  if (r.sha256 != sha256_hex(data)) {
    throw DeviceError(
        fmt::format("verification failed: the board's SHA-256 {} differs from the "
                    "image's {}",
                    r.sha256.substr(0, 16), sha256_hex(data).substr(0, 16)));
  }
  return r;
}

std::string FlashTransfer::read(std::size_t bytes, const FlashProgress& progress) {
  bind();
  const std::size_t bs = dev_.block_size;
  const std::size_t blocks = (bytes + bs - 1) / bs;
  std::string out;
  for (std::size_t i = 0; i < blocks; i += kBlocksPerExec) {
    const std::size_t n = std::min(kBlocksPerExec, blocks - i);
    out += decode_base64(
        mpy_.comm()
            .exec_eval(fmt::format("repr(_mt_frd(_mt_fd,{},{},{}))", bs, i, n), kTimeout)
            .as_str());
    if (progress) progress(std::min(out.size(), bytes), bytes);
  }
  out.resize(bytes);
  return out;
}

void FlashTransfer::erase(std::size_t blocks, const FlashProgress& progress) {
  bind();
  const std::size_t bs = dev_.block_size;
  mpy_.comm().exec(fmt::format("_mt_fe=b'\\xff'*{}", bs), 5.0);
  for (std::size_t i = 0; i < blocks; i += 16) {
    const std::size_t n = std::min<std::size_t>(16, blocks - i);
    mpy_.comm().exec(
        fmt::format("for _mt_i in range({},{}):\n _mt_fd.writeblocks(_mt_i,_mt_fe)", i, i + n),
        kTimeout);
    if (progress) progress((i + n) * bs, blocks * bs);
  }
  mpy_.comm().exec("del _mt_fe,_mt_i", 5.0);
}

}  // namespace mpytool
