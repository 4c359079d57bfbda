// SPDX-License-Identifier: MIT
// FlashTransfer on the text path (`--transfer text`: one exec per run of up to four blocks)
// against a FakeLink board whose block device is a byte array: it answers the helpers of
// sdk/flash/helpers/flash.py (_mt_fbh block hashes, _mt_fsha, _mt_frd) and runs writeblocks
// of base64 and of deflated base64. Covers the plan (only blocks that differ), the write,
// the SHA-256 verification, resuming a half-written image, reads and erase.
#include "mpytool/flash/flash_transfer.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "fake_link.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/transfer/settings.hpp"

using mpytool::BlockDevice;
using mpytool::FlashTransfer;
using mpytool::FlashWriteResult;
using mpytool::testing::FakeLink;
using mpytool::testing::FakeReply;

namespace {

constexpr std::size_t kBs = 4096;

std::string hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string sha256(std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string b64encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string b64decode(std::string_view text) {
  std::string out(3 * (text.size() / 4), '\0');
  EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                  reinterpret_cast<const unsigned char*>(text.data()),
                  static_cast<int>(text.size()));
  std::size_t pad = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++pad;
  out.resize(out.size() - pad);
  return out;
}

// Varied bytes, different per seed (no two blocks alike).
std::string image(std::size_t n, unsigned seed = 1) {
  std::string s(n, '\0');
  std::uint32_t x = 2463534242u * seed;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return s;
}

// The board: a block device of `flash.size() / kBs` blocks behind the flash helpers.
struct FlashBoard : FakeLink {
  std::string flash;
  std::string bound;                                        ///< the expression _mt_fd was bound to
  std::vector<std::pair<std::size_t, std::size_t>> writes;  ///< (first block, blocks)
  int deflated_writes = 0;
  int hash_queries = 0;
  int reads = 0;
  bool can_inflate = true;
  std::size_t corrupt_at = std::string::npos;  ///< a write puts a wrong byte here

  explicit FlashBoard(std::size_t blocks) : flash(blocks * kBs, '\xff') {
    on_exec = [this](const std::string& code) { return answer(code); };
  }

  static FakeReply value(const std::string& s) { return {"'" + s + "'\r\n", ""}; }
  static FakeReply error(const std::string& line) {
    return {"",
            "Traceback (most recent call last):\r\n  File \"<stdin>\", line 1\r\n" + line + "\r\n"};
  }

  FakeReply answer(const std::string& code) {
    std::size_t bs = 0, a = 0, b = 0;
    if (code.find("def _mt_fbh(") != std::string::npos) return {};  // the helper
    if (code.rfind("_mt_fd=", 0) == 0) {
      bound = code.substr(7);
      return {};
    }
    if (code == "del _mt_fd") {
      bound.clear();
      return {};
    }
    if (std::sscanf(code.c_str(), "print(repr(_mt_fbh(_mt_fd,%zu,%zu)))", &bs, &a) == 2) {
      ++hash_queries;
      std::string h;
      for (std::size_t i = 0; i < a; ++i) h += hex(sha256(flash.substr(i * bs, bs)).substr(0, 8));
      return value(h);
    }
    if (std::sscanf(code.c_str(), "print(repr(_mt_fsha(_mt_fd,%zu,%zu)))", &bs, &a) == 2) {
      return value(hex(sha256(flash.substr(0, a))));
    }
    if (std::sscanf(code.c_str(), "print(repr(_mt_frd(_mt_fd,%zu,%zu,%zu)))", &bs, &a, &b) == 3) {
      ++reads;
      return value(b64encode(flash.substr(a * bs, b * bs)));
    }
    if (std::sscanf(code.c_str(), "_mt_fd.writeblocks(%zu,", &a) == 1) {
      const auto open = code.find("a2b_base64('") + 12;
      std::string data = b64decode(code.substr(open, code.find("')", open) - open));
      if (code.find("deflate") != std::string::npos) {
        if (!can_inflate) return error("ImportError: no module named 'deflate'");
        std::string raw(flash.size(), '\0');
        uLongf len = raw.size();
        BOOST_REQUIRE(::uncompress(reinterpret_cast<Bytef*>(raw.data()), &len,
                                   reinterpret_cast<const Bytef*>(data.data()),
                                   data.size()) == Z_OK);
        raw.resize(len);
        data = std::move(raw);
        ++deflated_writes;
      }
      BOOST_REQUIRE(data.size() % kBs == 0);
      writes.emplace_back(a, data.size() / kBs);
      flash.replace(a * kBs, data.size(), data);
      if (corrupt_at >= a * kBs && corrupt_at < a * kBs + data.size()) flash[corrupt_at] ^= 1;
      return {};
    }
    if (code == "_mt_fe=b'\\xff'*4096" || code == "del _mt_fe,_mt_i") return {};
    if (std::sscanf(code.c_str(), "for _mt_i in range(%zu,%zu):", &a, &b) == 2 &&
        code.find("\n _mt_fd.writeblocks(_mt_i,_mt_fe)") != std::string::npos) {
      for (std::size_t i = a; i < b; ++i) flash.replace(i * kBs, kBs, std::string(kBs, '\xff'));
      return {};
    }
    return error("NameError: unexpected code");
  }
};

struct Rig {
  FlashBoard board;
  mpytool::Mpy mpy{board};
  BlockDevice dev{"P('vfs')", kBs, 0};

  explicit Rig(std::size_t blocks) : board(blocks) {
    mpy.comm().guard().set_enabled(false);  // the scripted board answers the code itself
    mpytool::transfer_settings(mpy).path = mpytool::TransferPath::kText;
    dev.size = blocks * kBs;
  }
};

// "first+count ..." of the writeblocks calls.
std::string runs(const std::vector<std::pair<std::size_t, std::size_t>>& writes) {
  std::string s;
  for (const auto& [first, count] : writes) {
    s += (s.empty() ? "" : " ") + std::to_string(first) + "+" + std::to_string(count);
  }
  return s;
}

const std::size_t kPlainPrefix = std::string("__import__('ubinascii').a2b_base64('").size() + 2;

}  // namespace

BOOST_AUTO_TEST_SUITE(flash_transfer_test)

BOOST_AUTO_TEST_CASE(write_sends_the_blocks_and_verifies) {
  Rig rig(16);
  const std::string data = image(3 * kBs + kBs / 2);
  std::vector<std::pair<std::size_t, std::size_t>> progress;
  FlashWriteResult r;
  {
    FlashTransfer x(rig.mpy, rig.dev);
    r = x.write(
        data, [&](std::size_t d, std::size_t t) { progress.emplace_back(d, t); }, false);
    BOOST_TEST(rig.board.bound == "P('vfs')");
  }
  BOOST_TEST(rig.board.bound.empty());  // the destructor deletes _mt_fd
  BOOST_TEST(r.path == "text");
  BOOST_TEST(r.bytes == data.size());
  BOOST_TEST(r.blocks == 4u);
  BOOST_TEST(r.blocks_written == 4u);
  BOOST_TEST(!r.compressed);
  BOOST_TEST(r.sha256 == hex(sha256(data)));
  BOOST_TEST(r.wire_bytes == 4 * ((4 * kBs + 2) / 3) + kPlainPrefix);
  // One exec for the four blocks, the last one padded with 0xFF.
  BOOST_TEST(runs(rig.board.writes) == "0+4");
  BOOST_TEST(rig.board.flash.substr(0, data.size()) == data);
  BOOST_TEST(rig.board.flash.substr(data.size()) == std::string(16 * kBs - data.size(), '\xff'));
  BOOST_TEST(!progress.empty());
  BOOST_TEST(progress.front().first == 0u);
  BOOST_TEST(progress.back().first == 4 * kBs);
  BOOST_TEST(progress.back().second == 4 * kBs);
}

BOOST_AUTO_TEST_CASE(identical_image_sends_nothing) {
  Rig rig(8);
  const std::string data = image(5 * kBs);
  rig.board.flash.replace(0, data.size(), data);
  FlashTransfer x(rig.mpy, rig.dev);
  const FlashWriteResult r = x.write(data, {}, false);
  BOOST_TEST(r.blocks == 5u);
  BOOST_TEST(r.blocks_written == 0u);
  BOOST_TEST(r.wire_bytes == 0u);
  BOOST_TEST(rig.board.writes.empty());
  BOOST_TEST(rig.board.hash_queries == 1);
  BOOST_TEST(r.sha256 == hex(sha256(data)));
}

BOOST_AUTO_TEST_CASE(interrupted_write_resumes_with_the_blocks_that_differ) {
  Rig rig(16);
  const std::string data = image(12 * kBs, 3);
  // An earlier write stopped part way: blocks 3 and 6..10 still hold something else.
  rig.board.flash.replace(0, data.size(), data);
  const std::string old = image(kBs, 9);
  for (std::size_t b : {3, 6, 7, 8, 9, 10}) rig.board.flash.replace(b * kBs, kBs, old);
  FlashTransfer x(rig.mpy, rig.dev);
  const FlashWriteResult r = x.write(data, {}, false);
  BOOST_TEST(r.blocks == 12u);
  BOOST_TEST(r.blocks_written == 6u);
  // Runs of at most four blocks per exec.
  BOOST_TEST(runs(rig.board.writes) == "3+1 6+4 10+1");
  BOOST_TEST(rig.board.flash.substr(0, data.size()) == data);
  BOOST_TEST(rig.board.flash.substr(12 * kBs) == std::string(4 * kBs, '\xff'));
}

BOOST_AUTO_TEST_CASE(verification_catches_a_bad_write) {
  Rig rig(8);
  rig.board.corrupt_at = 5000;
  const std::string data = image(2 * kBs);
  FlashTransfer x(rig.mpy, rig.dev);
  BOOST_CHECK_EXCEPTION(
      x.write(data, {}, false), mpytool::DeviceError, [&](const mpytool::DeviceError& e) {
        std::string board = rig.board.flash.substr(0, data.size());
        return std::string(e.what()) ==
               "verification failed: the board's SHA-256 " + hex(sha256(board)).substr(0, 16) +
                   " differs from the image's " + hex(sha256(data)).substr(0, 16);
      });
}

BOOST_AUTO_TEST_CASE(too_large_is_refused_before_anything_runs) {
  Rig rig(2);
  FlashTransfer x(rig.mpy, rig.dev);
  BOOST_CHECK_EXCEPTION(x.write(image(2 * kBs + 1)), mpytool::MpyError,
                        [](const mpytool::MpyError& e) {
                          return std::string(e.what()) == "Data too large: 8193 > 8192 bytes";
                        });
  BOOST_TEST(rig.board.executed.empty());
}

BOOST_AUTO_TEST_CASE(compressible_blocks_travel_deflated) {
  Rig rig(8);
  std::string data;
  while (data.size() < 3 * kBs) data += "print('hello flash')\n";
  data.resize(3 * kBs);
  FlashTransfer x(rig.mpy, rig.dev);
  const FlashWriteResult r = x.write(data, {}, true);
  BOOST_TEST(r.compressed);
  BOOST_TEST(rig.board.deflated_writes == 1);
  BOOST_TEST(r.blocks_written == 3u);
  BOOST_TEST(r.wire_bytes < (4 * ((3 * kBs + 2) / 3) + kPlainPrefix) / 10);
  BOOST_TEST(rig.board.flash.substr(0, data.size()) == data);
  BOOST_TEST(r.sha256 == hex(sha256(data)));
}

BOOST_AUTO_TEST_CASE(board_without_deflate_gets_plain_blocks) {
  Rig rig(8);
  rig.board.can_inflate = false;
  std::string data(6 * kBs, 'z');  // compresses well: deflate is tried first
  FlashTransfer x(rig.mpy, rig.dev);
  const FlashWriteResult r = x.write(data);  // compress: when it pays
  BOOST_TEST(r.blocks_written == 6u);
  BOOST_TEST(rig.board.flash.substr(0, data.size()) == data);
  // The refused run went again plain, the next run plain at once.
  BOOST_TEST(runs(rig.board.writes) == "0+4 4+2");
  BOOST_TEST(rig.board.deflated_writes == 0);
}

BOOST_AUTO_TEST_CASE(read_and_erase) {
  Rig rig(8);
  const std::string content = image(8 * kBs, 5);
  rig.board.flash = content;
  FlashTransfer x(rig.mpy, rig.dev);
  std::size_t last = 0;
  BOOST_TEST(x.read(5 * kBs + 1, [&](std::size_t d, std::size_t) { last = d; }) ==
             content.substr(0, 5 * kBs + 1));
  BOOST_TEST(rig.board.reads == 2);  // blocks 0..3, then 4..5
  BOOST_TEST(last == 5 * kBs + 1);
  BOOST_TEST(x.read(0).empty());
  BOOST_TEST(x.sha256(1000) == hex(sha256(content.substr(0, 1000))));
  const std::vector<std::string> hashes = x.block_hashes(3);
  BOOST_TEST(hashes.size() == 3u);
  BOOST_TEST(hashes[2] == sha256(content.substr(2 * kBs, kBs)).substr(0, 8));

  x.erase(3);
  BOOST_TEST(rig.board.flash.substr(0, 3 * kBs) == std::string(3 * kBs, '\xff'));
  BOOST_TEST(rig.board.flash.substr(3 * kBs) == content.substr(3 * kBs));
}

BOOST_AUTO_TEST_SUITE_END()
