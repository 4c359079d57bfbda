// SPDX-License-Identifier: MIT
#include "mpytool/uf2/uf2_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "mpytool/base/error.hpp"

namespace mpytool::uf2 {

namespace {

std::uint32_t u32(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint32_t{b[at]} | std::uint32_t{b[at + 1]} << 8 | std::uint32_t{b[at + 2]} << 16 |
         std::uint32_t{b[at + 3]} << 24;
}

// The banner runs until the first byte that is not printable text.
std::string banner_at(std::span<const std::uint8_t> data, std::size_t at) {
  constexpr std::size_t kMaxBanner = 256;
  std::string s;
  for (std::size_t i = at; i < data.size() && s.size() < kMaxBanner; ++i) {
    const auto c = data[i];
    if (c < 0x20 || c > 0x7E) break;
    s += static_cast<char>(c);
  }
  return s;
}

struct FamilyState {
  Uf2Family family;
  std::uint32_t num_blocks = 0;
  std::size_t first_block = 0;   // index of the block that set num_blocks
  std::set<std::uint32_t> seen;  // block numbers met (all < num_blocks)
  bool any_main = false;
};

}  // namespace

std::string family_name(std::uint32_t id) {
  switch (id) {
    case kFamilyRp2040:
      return "rp2040";
    case kFamilyAbsolute:
      return "absolute";
    case kFamilyData:
      return "data";
    case kFamilyRp2350ArmS:
      return "rp2350-arm-s";
    case kFamilyRp2350Riscv:
      return "rp2350-riscv";
    case kFamilyRp2350ArmNs:
      return "rp2350-arm-ns";
    default:
      return fmt::format("0x{:08x}", id);
  }
}

bool looks_like_uf2(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 8 && u32(bytes, 0) == kMagicStart0 && u32(bytes, 4) == kMagicStart1;
}

Uf2Block read_block(std::span<const std::uint8_t> bytes, std::size_t offset) {
  auto b = bytes.subspan(offset, kBlockSize);
  Uf2Block block;
  block.flags = u32(b, 8);
  block.target = u32(b, 12);
  block.payload_size = u32(b, 16);
  block.block_no = u32(b, 20);
  block.num_blocks = u32(b, 24);
  block.family = (block.flags & kFlagFamilyId) ? u32(b, 28) : 0;
  block.offset = offset;
  return block;
}

bool is_ignored_block(std::span<const std::uint8_t> block) {
  if (block.size() < kBlockSize) return false;
  const auto flags = u32(block, 8);
  const auto size = u32(block, 16);
  // Extension tags follow the payload, 4-byte aligned; each starts with its size (low byte)
  // and a 3-byte type; a zero word ends them.
  if ((flags & kFlagExtensionTags) && size <= kMaxPayload) {
    std::size_t at = 32 + ((size + 3) & ~3u);
    while (at + 4 <= 508) {
      const auto tag = u32(block, at);
      if (tag == 0) break;
      if (tag == kTagRp2IgnoreBlock) return true;
      const std::size_t len = tag & 0xFF;
      if (len < 4) break;
      at += (len + 3) & ~std::size_t{3};
    }
  }
  // picotool's E10 block without its tag (older writers).
  if ((flags & ~kFlagExtensionTags) != kFlagFamilyId || u32(block, 28) != kFamilyAbsolute ||
      size != 256 || u32(block, 20) != 0 || u32(block, 24) != 2)
    return false;
  if (flags & kFlagExtensionTags) return false;  // tagged, but not "ignore"
  return std::all_of(block.begin() + 32, block.begin() + 32 + 256,
                     [](std::uint8_t c) { return c == 0xEF; });
}

std::string version_from_banner(std::string_view banner) {
  constexpr std::string_view kPrefix = "MicroPython ";
  if (banner.substr(0, kPrefix.size()) != kPrefix) return {};
  auto rest = banner.substr(kPrefix.size());
  auto end = std::min(rest.find(';'), rest.find(" on "));
  return std::string(rest.substr(0, end));
}

Uf2Info parse_uf2(std::span<const std::uint8_t> bytes, std::string_view name) {
  auto fail = [&](const std::string& what) { throw UsageError(fmt::format("{}: {}", name, what)); };
  auto fail_block = [&](std::size_t i, const std::string& what) {
    throw UsageError(fmt::format("{}: block {}: {}", name, i, what));
  };
  if (bytes.empty()) fail("empty file (not a UF2 file)");
  if (!looks_like_uf2(bytes)) fail("not a UF2 file (no UF2 magic at its start)");
  if (bytes.size() % kBlockSize != 0)
    fail(fmt::format("{} bytes is not a multiple of {} (UF2 blocks)", bytes.size(), kBlockSize));

  Uf2Info info;
  info.blocks = bytes.size() / kBlockSize;
  std::vector<FamilyState> families;
  std::map<std::uint32_t, std::size_t> index;  // family id -> families[]
  std::vector<std::uint8_t> payloads;
  bool any_main = false;

  for (std::size_t i = 0; i < info.blocks; ++i) {
    const std::size_t off = i * kBlockSize;
    auto raw = bytes.subspan(off, kBlockSize);
    if (u32(raw, 0) != kMagicStart0 || u32(raw, 4) != kMagicStart1)
      fail_block(i, "bad start magic");
    if (u32(raw, 508) != kMagicEnd) fail_block(i, "bad end magic");
    const Uf2Block b = read_block(bytes, off);
    if (b.payload_size > kMaxPayload)
      fail_block(i, fmt::format("payload of {} bytes (at most {})", b.payload_size, kMaxPayload));

    auto [it, added] = index.try_emplace(b.family, families.size());
    if (added) {
      FamilyState st;
      st.family.id = b.family;
      st.family.name = (b.flags & kFlagFamilyId) ? family_name(b.family) : "no family id";
      families.push_back(std::move(st));
    }
    FamilyState& st = families[it->second];
    Uf2Family& fam = st.family;
    ++fam.blocks;
    if (is_ignored_block(raw)) {
      ++fam.ignored;
      continue;
    }

    if (b.num_blocks == 0 || b.block_no >= b.num_blocks)
      fail_block(i, fmt::format("block number {} of {}", b.block_no, b.num_blocks));
    if (st.seen.empty()) {
      st.num_blocks = b.num_blocks;
      st.first_block = i;
    } else if (b.num_blocks != st.num_blocks) {
      fail_block(i, fmt::format("family {} counts {} blocks, block {} counted {}", fam.name,
                                b.num_blocks, st.first_block, st.num_blocks));
    }
    if (!st.seen.insert(b.block_no).second)
      fail_block(i, fmt::format("family {} repeats block number {}", fam.name, b.block_no));

    payloads.insert(payloads.end(), raw.begin() + 32, raw.begin() + 32 + b.payload_size);
    if (b.flags & kFlagNotMainFlash) continue;
    const std::uint32_t end = b.target + b.payload_size;
    if (!st.any_main || b.target < fam.first) fam.first = b.target;
    if (!st.any_main || end > fam.end) fam.end = end;
    st.any_main = true;
    fam.payload += b.payload_size;
    if (b.payload_size != 256 || b.target % 256 != 0) fam.page_aligned = false;
    if (!any_main || b.target < info.addr_min) info.addr_min = b.target;
    if (!any_main || end > info.addr_end) info.addr_end = end;
    any_main = true;
    info.payload_bytes += b.payload_size;
  }

  for (auto& st : families) {
    const std::size_t missing = st.num_blocks - st.seen.size();
    if (missing > 0)
      fail(fmt::format("family {}: {} of {} blocks missing (truncated file?)", st.family.name,
                       missing, st.num_blocks));
    info.families.push_back(std::move(st.family));
  }

  constexpr std::string_view kNeedle = "MicroPython v";
  auto hit = payloads.begin();
  while ((hit = std::search(hit, payloads.end(), kNeedle.begin(), kNeedle.end())) !=
         payloads.end()) {
    auto banner = banner_at(payloads, static_cast<std::size_t>(hit - payloads.begin()));
    auto version = version_from_banner(banner);
    if (version.size() > 1) {
      info.micropython_banner = std::move(banner);
      info.micropython_version = std::move(version);
      break;
    }
    ++hit;
  }
  return info;
}

}  // namespace mpytool::uf2
