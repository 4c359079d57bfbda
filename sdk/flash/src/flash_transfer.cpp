// SPDX-License-Identifier: MIT
#include "mpytool/flash/flash_transfer.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <deque>

#include "mpytool/base/digest.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/flash/block_plan.hpp"
#include "mpytool/repl/py_value.hpp"
#include "mpytool/transfer/deflate.hpp"
#include "mpytool/transfer/settings.hpp"

namespace mpytool {

namespace {

constexpr std::size_t kHashLen = 8;
constexpr std::size_t kBlocksPerExec = 4;
constexpr double kTimeout = 30.0;
/// The block-device operations of the transfer agent (helpers/flash_stream.py).
constexpr char kOpWrite = 'W';
constexpr char kOpRead = 'R';
/// Stream attempts of one write (each resumes with the blocks the last one left).
constexpr int kStreamAttempts = 3;

std::string first_line(std::string_view s) {
  const auto nl = s.find('\n');
  return std::string(nl == std::string_view::npos ? s : s.substr(0, nl));
}

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

std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

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

// The streaming agent unless the link cannot carry it (probed once per connection, shared with
// the fs plugin) or the settings say text.
std::unique_ptr<stream::Session> FlashTransfer::open_stream() {
  const TransferSettings& ts = transfer_settings(mpy_);
  stream::StreamStart start;
  start.path = ts.path;
  start.prepare = [this, &ts] {
    bind();
    mpy_.load_helper("flash_stream");
    stream::SessionOptions o;
    o.window = ts.window.value_or(256);
    o.chunk = static_cast<int>(std::min<std::size_t>(dev_.block_size, stream::kMaxFramePayload));
    o.ops = {{kOpWrite, "_mt_fw"}, {kOpRead, "_mt_fr"}};
    o.cancelled = ts.cancelled;
    return o;
  };
  start.stats = &stats_;
  start.fallback = [this] { bound_ = false; };  // the failed start may have reset the board
  return stream::open_stream_session(mpy_, std::move(start));
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
  if (!compress) compress = transfer_settings(mpy_).compress;
  // A stream that breaks (a frame garbled on the link: the agent stops at its CRC) is resumed:
  // the board's block hashes are fetched again and only the blocks still different are sent.
  for (int attempt = 1;; ++attempt) {
    const std::vector<std::string> board = block_hashes(r.blocks);
    std::vector<BlockRun> runs = plan_blocks(padded, bs, board, kHashLen);
    if (progress) progress(0, blocks_in(runs) * bs);
    if (runs.empty()) break;
    std::unique_ptr<stream::Session> s = open_stream();
    if (!s) {
      r.path = "text";
      runs = plan_blocks(padded, bs, board, kHashLen, kBlocksPerExec);
      write_text(padded, runs, progress, compress, r);
      break;
    }
    r.path = "stream";
    try {
      write_stream(*s, padded, runs, progress, compress, r);
      break;
    } catch (const Interrupted&) {
      throw;
    } catch (const ConnError&) {
      throw;  // the link is gone (or the board silent): a re-run resumes
    } catch (const DeviceError&) {
      throw;  // the board refused a write
    } catch (const MpyError& e) {
      if (attempt == kStreamAttempts) throw;
      logger().warn("flash write: the stream broke ({}); resuming with the blocks still missing",
                    first_line(e.what()));
      bound_ = false;  // the agent's end reset what the board had loaded
    }
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

// Every run is W, D..., E; the board answers K per run while the host goes on with the next,
// so the whole write costs no round trip beyond the agent's start and end.
void FlashTransfer::write_stream(stream::Session& s, std::string_view padded,
                                 const std::vector<BlockRun>& runs, const FlashProgress& progress,
                                 std::optional<bool> compress, FlashWriteResult& r) {
  const std::size_t bs = dev_.block_size;
  const stream::Features& feat = s.features();
  // The board holds the agent's buffers and one block besides the inflater's window.
  const int wbits = stream::window_bits_for(feat.mem_free - static_cast<std::int64_t>(bs));
  const std::int64_t before = stats_.bytes_out;
  std::deque<std::size_t> waiting;  // runs sent, verdict pending
  auto handle = [&](const stream::Frame& f) {
    if (waiting.empty()) throw MpyError("transfer agent: unexpected answer");
    const BlockRun& run = runs[waiting.front()];
    if (f.type == stream::frame::kOk) {
      waiting.pop_front();
      r.blocks_written += run.count;
    } else if (f.type == stream::frame::kError) {
      s.finish_after_error();
      const auto sp = f.payload.find(' ');
      throw DeviceError(
          fmt::format("writing blocks {}..{} failed: {}", run.first, run.first + run.count - 1,
                      sp == std::string::npos ? f.payload : f.payload.substr(sp + 1)));
    } else {
      throw MpyError("transfer agent: unexpected frame");
    }
  };
  auto drain = [&] {
    while (auto f = s.poll_frame()) handle(*f);
  };
  std::size_t done = 0;
  const std::size_t todo = blocks_in(runs) * bs;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const BlockRun& run = runs[i];
    const std::string_view chunk = padded.substr(run.first * bs, run.count * bs);
    const std::optional<std::vector<stream::DeflateSegment>> segs = stream::segments_if_worth(
        chunk, s.max_payload() - 4, wbits, feat.inflate ? compress : false);
    const bool z = segs.has_value();
    if (z) r.compressed = true;
    waiting.push_back(i);
    s.send_frame(kOpWrite, fmt::format("{}{}{}{}{}", z ? 'z' : 'r', '\0', run.first, '\0', bs));
    s.send_data(chunk, segs ? &*segs : nullptr, [&](std::size_t sent) {
      if (progress) progress(done + sent, todo);
      drain();
    });
    s.send_frame(stream::frame::kEnd);
    done += chunk.size();
    drain();
  }
  // Quit only once every verdict is in: a verdict damaged on the way comes again only while
  // the agent runs (the host's sync asks for it), and the agent leaves as soon as it reads Q.
  while (!waiting.empty()) handle(s.next_frame());
  s.quit();
  r.wire_bytes = static_cast<std::size_t>(stats_.bytes_out - before);
}

void FlashTransfer::write_text(std::string_view padded, const std::vector<BlockRun>& runs,
                               const FlashProgress& progress, std::optional<bool> compress,
                               FlashWriteResult& r) {
  const std::size_t bs = dev_.block_size;
  bool deflate = compress.value_or(true);
  std::size_t done = 0;
  const std::size_t todo = blocks_in(runs) * bs;
  for (const BlockRun& run : runs) {
    const std::string_view chunk = padded.substr(run.first * bs, run.count * bs);
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
}

std::string FlashTransfer::read(std::size_t bytes, const FlashProgress& progress) {
  bind();
  if (bytes == 0) return {};
  std::unique_ptr<stream::Session> s = open_stream();
  return s ? read_stream(*s, bytes, progress) : read_text(bytes, progress);
}

std::string FlashTransfer::read_stream(stream::Session& s, std::size_t bytes,
                                       const FlashProgress& progress) {
  const std::size_t bs = dev_.block_size;
  const std::size_t blocks = (bytes + bs - 1) / bs;
  const bool z = s.features().deflate && transfer_settings(mpy_).compress != false;
  s.send_frame(kOpRead, fmt::format("{}{}0{}{}{}{}", z ? 'z' : 'r', '\0', '\0', blocks, '\0', bs));
  s.send_frame(stream::frame::kQuit);
  std::string out;
  out.reserve(blocks * bs);
  std::optional<stream::Inflater> inflater;
  if (z) inflater.emplace();
  for (;;) {
    stream::Frame f = s.next_frame();
    if (f.type == stream::frame::kEnd) {
      if (out.size() != blocks * bs || (inflater && !inflater->finished())) {
        throw MpyError("flash read incomplete");
      }
      if (!f.payload.empty() && to_hex(f.payload) != sha256_hex(out)) {
        throw MpyError("flash read failed verification");
      }
      break;
    }
    if (f.type == stream::frame::kError) {
      s.quit(true);
      throw DeviceError(fmt::format("reading flash failed: {}", f.payload));
    }
    if (f.type != stream::frame::kData) throw MpyError("transfer agent: unexpected frame");
    if (inflater) {
      inflater->feed(f.payload, out);
    } else {
      out += f.payload;
    }
    if (progress) progress(std::min(out.size(), bytes), bytes);
  }
  s.quit(true);
  out.resize(bytes);
  return out;
}

std::string FlashTransfer::read_text(std::size_t bytes, const FlashProgress& progress) {
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
