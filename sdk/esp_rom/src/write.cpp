// SPDX-License-Identifier: MIT
// Flash writes and erases through the ROM loader.
#include <fmt/format.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <chrono>

#include "mpytool/esp_rom/rom_client.hpp"
#include "mpytool/transfer/deflate.hpp"

namespace mpytool::esp_rom {

namespace {

constexpr std::uint32_t kSector = 0x1000;

// How many bytes each \p block-sized piece of the zlib stream \p z inflates to: the ROM writes
// them before it answers the piece (its timeout) and they are the progress of the write.
std::vector<std::size_t> inflated_sizes(std::string_view z, std::size_t block) {
  z_stream s{};
  if (inflateInit(&s) != Z_OK) throw MpyError("zlib inflateInit failed");
  std::vector<std::size_t> sizes;
  std::string out(64 * 1024, '\0');
  for (std::size_t at = 0; at < z.size(); at += block) {
    auto piece = z.substr(at, block);
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    s.avail_in = static_cast<uInt>(piece.size());
    std::size_t produced = 0;
    int rc = Z_OK;
    do {
      s.next_out = reinterpret_cast<Bytef*>(out.data());
      s.avail_out = static_cast<uInt>(out.size());
      rc = inflate(&s, Z_NO_FLUSH);
      produced += out.size() - s.avail_out;
    } while ((rc == Z_OK && (s.avail_in > 0 || s.avail_out == 0)));
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      inflateEnd(&s);
      throw MpyError("zlib could not inflate its own stream");
    }
    sizes.push_back(produced);
  }
  inflateEnd(&s);
  return sizes;
}

void check_aligned(std::uint32_t offset, std::string_view what) {
  if (offset % kSector)
    throw UsageError(fmt::format("{} 0x{:X} is not a multiple of 4 KB", what, offset));
}

}  // namespace

std::string md5_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr) != 1)
    throw MpyError("OpenSSL MD5 failed");
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

WriteReport write_flash(RomClient& rom, std::uint32_t offset, std::string_view image,
                        const WriteOptions& options, const WriteProgress& progress) {
  check_aligned(offset, "flash offset");
  auto start = std::chrono::steady_clock::now();
  auto wire_start = rom.wire_bytes();
  const auto block = rom.block_size();
  const auto size = static_cast<std::uint32_t>(image.size());
  WriteReport report;
  report.bytes = image.size();
  report.md5 = md5_hex(image);
  std::string packed;
  // libdeflate's best level: a smaller stream than zlib -9 (fewer blocks, fewer round trips);
  // any zlib stream with a 32 KiB window is what the ROM's inflater takes.
  if (options.compress) packed = stream::compress_stream(image, 15);
  bool compressed = options.compress && packed.size() < image.size();
  if (progress) progress(0, image.size());
  std::size_t done = 0;
  if (compressed) {
    auto sizes = inflated_sizes(packed, block);
    rom.flash_defl_begin(size, static_cast<std::uint32_t>(packed.size()), offset);
    for (std::uint32_t seq = 0; seq < sizes.size(); ++seq) {
      // Writing what a piece inflates to: 12 s per MB at worst (page program 3 ms per 256 B).
      rom.flash_defl_data(std::string_view(packed).substr(seq * block, block), seq,
                          3.0 + 12.0 * sizes[seq] / (1 << 20));
      done = std::min(done + sizes[seq], image.size());
      if (progress) progress(done, image.size());
    }
    report.compressed_bytes = packed.size();
  } else {
    rom.flash_begin(size, offset);
    for (std::uint32_t seq = 0; done < image.size(); ++seq) {
      auto piece = image.substr(done, block);
      rom.flash_data(piece, seq);
      done += piece.size();
      if (progress) progress(done, image.size());
    }
    report.compressed_bytes = image.size();
  }
  if (options.verify) {
    auto got = rom.flash_md5(offset, size);
    if (got != report.md5)
      throw VerifyError(fmt::format(
          "flash at 0x{:X} ({} bytes) does not match what was written: MD5 {}, expected {}", offset,
          size, got, report.md5));
  }
  report.wire_bytes = rom.wire_bytes() - wire_start;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

void erase_region(RomClient& rom, std::uint32_t offset, std::uint32_t size) {
  check_aligned(offset, "erase offset");
  check_aligned(size, "erase size");
  // The ROM erases the region when FLASH_BEGIN arrives; no data need follow: the next
  // FLASH_BEGIN or any other command is served as usual.
  rom.flash_begin(size, offset);
}

void erase_all(RomClient& rom, std::uint32_t flash_size) { erase_region(rom, 0, flash_size); }

}  // namespace mpytool::esp_rom
