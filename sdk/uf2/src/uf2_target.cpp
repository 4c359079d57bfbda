// SPDX-License-Identifier: MIT
#include "mpytool/uf2/uf2_target.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace mpytool::uf2 {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_code_family(std::uint32_t id) { return id != kFamilyAbsolute && id != kFamilyData; }

// Blocks of the family the bootrom would write (ignored ones are not).
std::size_t written(const Uf2Family& f) { return f.blocks - f.ignored; }

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

std::vector<std::uint32_t> families_for_chip(std::string_view chip) {
  const auto c = upper(chip);
  if (c == "RP2040") return {kFamilyRp2040};
  if (c == "RP2350") return {kFamilyRp2350ArmS, kFamilyRp2350Riscv, kFamilyRp2350ArmNs};
  return {};
}

std::string chip_from_model(std::string_view model) {
  const auto m = upper(model);
  if (m.ends_with("RP2350")) return "RP2350";
  if (m.ends_with("RP2") || m.ends_with("RP2040")) return "RP2040";
  return {};
}

std::string size_text(std::uint64_t bytes) {
  if (bytes != 0 && bytes % (1u << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes != 0 && bytes % 1024 == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} bytes", bytes);
}

std::optional<std::string> uf2_mismatch(const Uf2Info& info, const Uf2Target& target,
                                        std::string_view name) {
  const auto chip = upper(target.chip);
  const auto accepted = families_for_chip(chip);
  if (!chip.empty() && accepted.empty())
    return fmt::format("the board's chip '{}' is not an RP2040 or RP2350", target.chip);
  auto is_accepted = [&](std::uint32_t id) {
    return std::find(accepted.begin(), accepted.end(), id) != accepted.end();
  };

  std::vector<std::string> foreign, other;
  std::vector<const Uf2Family*> mine;
  for (const auto& f : info.families) {
    if (written(f) == 0) continue;
    if (!is_code_family(f.id))
      other.push_back(f.name);
    else if (chip.empty() || is_accepted(f.id))
      mine.push_back(&f);
    else
      foreign.push_back(f.name);
  }
  std::vector<std::string> ids;
  for (auto id : accepted) ids.push_back(fmt::format("{:#010x}", id));
  const auto board =
      fmt::format("{} ({} {})", chip, accepted.size() == 1 ? "family" : "families", join(ids));
  if (mine.empty()) {
    if (!foreign.empty())
      return fmt::format("{} is for {}, the board is an {}", name, join(foreign), board);
    if (other.empty()) return fmt::format("{} has no blocks to write", name);
    // The RP2350 writes absolute and data blocks; the RP2040 knows neither.
    if (chip == "RP2040")
      return fmt::format("{} has no blocks for the {}, only {} blocks", name, board, join(other));
    return std::nullopt;
  }

  // The chip's blocks inside its flash.
  std::uint32_t lo = 0, hi = 0;
  bool any = false;
  for (const auto* f : mine) {
    if (f->payload == 0 && f->first == f->end) continue;  // no main-flash blocks
    lo = any ? std::min(lo, f->first) : f->first;
    hi = any ? std::max(hi, f->end) : f->end;
    any = true;
  }
  const std::uint64_t limit =
      std::uint64_t{kFlashBase} + (target.flash_size ? target.flash_size : 16u << 20);
  const auto flash_text = target.flash_size
                              ? fmt::format("the {} flash", size_text(target.flash_size))
                              : std::string("the 16 MiB flash window");
  if (any && (lo < kFlashBase || lo >= limit))
    return fmt::format("{} writes at {:#010x}, outside the flash ({:#010x}-{:#010x})", name, lo,
                       kFlashBase, limit);
  if (any && hi > limit)
    return fmt::format("{} writes up to {:#010x}, past the end of {} ({:#010x})", name, hi,
                       flash_text, limit);

  if (chip == "RP2040")
    for (const auto* f : mine)
      if (f->id == kFamilyRp2040 && !f->page_aligned)
        return fmt::format(
            "{} has rp2040 blocks that are not 256 bytes at 256-aligned addresses (the RP2040 "
            "bootrom ignores them)",
            name);
  return std::nullopt;
}

}  // namespace mpytool::uf2
