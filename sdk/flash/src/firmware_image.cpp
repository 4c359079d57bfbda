// SPDX-License-Identifier: MIT
// ESP app image verification (ESP-IDF "App Image Format"; esptool's image layout): the same
// checks the bootloader makes, with every length checked against the file before it is used.
#include "mpytool/flash/firmware_image.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace mpytool {

ImageError::~ImageError() = default;

namespace {

constexpr std::size_t kHeaderSize = 24;        // esp_image_header_t with the extended part
constexpr std::size_t kSegmentHeaderSize = 8;  // esp_image_segment_header_t
constexpr std::size_t kMaxSegments = 16;       // ESP_IMAGE_MAX_SEGMENTS
constexpr std::uint8_t kChecksumSeed = 0xEF;   // ESP_ROM_CHECKSUM_INITIAL
constexpr std::size_t kHashSize = 32;
constexpr std::size_t kAppDescSize = 256;

std::uint32_t u32(std::string_view d, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(d[at + static_cast<std::size_t>(i)]);
  }
  return v;
}

std::uint16_t u16(std::string_view d, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(d[at]) |
                                    (static_cast<unsigned char>(d[at + 1]) << 8));
}

// A NUL-padded char[n] field.
std::string text(std::string_view d, std::size_t at, std::size_t n) {
  std::string_view f = d.substr(at, n);
  return std::string(f.substr(0, std::min(f.find('\0'), f.size())));
}

std::array<unsigned char, kHashSize> sha256(std::string_view data) {
  std::array<unsigned char, kHashSize> out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

}  // namespace

std::string esp_chip_name(std::uint16_t chip_id) {
  switch (chip_id) {
    case 0x0000:
      return "ESP32";
    case 0x0002:
      return "ESP32-S2";
    case 0x0005:
      return "ESP32-C3";
    case 0x0009:
      return "ESP32-S3";
    case 0x000C:
      return "ESP32-C2";
    case 0x000D:
      return "ESP32-C6";
    case 0x0010:
      return "ESP32-H2";
    case 0x0012:
      return "ESP32-P4";
    default:
      return fmt::format("chip 0x{:04x}", chip_id);
  }
}

std::optional<std::uint16_t> esp_chip_from_machine(std::string_view machine) {
  // The port ends its machine string with "with <chip>": "ESP32", "ESP32S3", "ESP32C3", ...
  const auto with = machine.rfind("with ");
  std::string chip(with == std::string_view::npos ? machine : machine.substr(with + 5));
  chip.erase(std::remove(chip.begin(), chip.end(), '-'), chip.end());
  std::transform(chip.begin(), chip.end(), chip.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (std::uint16_t id : {0x0000, 0x0002, 0x0005, 0x0009, 0x000C, 0x000D, 0x0010, 0x0012}) {
    std::string name = esp_chip_name(id);
    name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
    if (chip == name) return id;
  }
  return std::nullopt;
}

bool is_uf2(std::string_view data) {
  return data.size() >= 8 && u32(data, 0) == 0x0A324655 && u32(data, 4) == 0x9E5D5157;
}

namespace {
EspAppDesc desc_at(std::string_view data, std::size_t o) {
  EspAppDesc d;
  d.secure_version = u32(data, o + 4);
  d.version = text(data, o + 16, 32);
  d.project_name = text(data, o + 48, 32);
  d.time = text(data, o + 80, 16);
  d.date = text(data, o + 96, 16);
  d.idf_version = text(data, o + 112, 32);
  return d;
}
}  // namespace

std::optional<EspAppDesc> read_app_desc(std::string_view first) {
  constexpr std::size_t at = kHeaderSize + kSegmentHeaderSize;
  if (first.size() < at + kAppDescSize || static_cast<unsigned char>(first[0]) != kEspImageMagic ||
      u32(first, at) != kEspAppDescMagic) {
    return std::nullopt;
  }
  return desc_at(first, at);
}

EspAppImage parse_esp_app_image(std::string_view data, std::string_view name) {
  auto fail = [&](const std::string& why) -> ImageError {
    return ImageError(fmt::format("{}: {}", name, why));
  };
  if (data.size() < kHeaderSize) {
    throw fail(fmt::format("not an ESP app image ({} bytes, the header alone needs {})",
                           data.size(), kHeaderSize));
  }
  const auto magic = static_cast<std::uint8_t>(data[0]);
  if (magic != kEspImageMagic) {
    throw fail(fmt::format("not an ESP app image (first byte 0x{:02x}, expected 0x{:02x})", magic,
                           kEspImageMagic));
  }
  EspAppImage img;
  const std::size_t count = static_cast<unsigned char>(data[1]);
  if (count == 0 || count > kMaxSegments) {
    throw fail(fmt::format("{} segments (the bootloader accepts 1 to {})", count, kMaxSegments));
  }
  img.entry = u32(data, 4);
  img.chip_id = u16(data, 12);
  img.hash_appended = data[23] == 1;
  std::size_t pos = kHeaderSize;
  std::uint8_t checksum = kChecksumSeed;
  for (std::size_t i = 0; i < count; ++i) {
    if (data.size() - pos < kSegmentHeaderSize) {
      throw fail(fmt::format("truncated in the header of segment {}", i));
    }
    EspSegment seg;
    seg.load_addr = u32(data, pos);
    seg.size = u32(data, pos + 4);
    pos += kSegmentHeaderSize;
    if (seg.size > data.size() - pos) {
      throw fail(fmt::format("truncated in segment {} ({} bytes announced, {} left)", i, seg.size,
                             data.size() - pos));
    }
    seg.offset = static_cast<std::uint32_t>(pos);
    for (std::size_t k = 0; k < seg.size; ++k) checksum ^= static_cast<std::uint8_t>(data[pos + k]);
    pos += seg.size;
    img.segments.push_back(seg);
  }
  // The checksum is the last byte of the 16-byte block that follows the data.
  pos += 15 - (pos % 16);
  if (pos >= data.size()) throw fail("truncated before the checksum");
  img.checksum = static_cast<std::uint8_t>(data[pos]);
  if (img.checksum != checksum) {
    throw fail(
        fmt::format("checksum 0x{:02x} does not match the data (0x{:02x}): the file is "
                    "damaged",
                    img.checksum, checksum));
  }
  ++pos;
  if (img.hash_appended) {
    if (data.size() - pos < kHashSize) throw fail("truncated in the appended SHA-256");
    const auto digest = sha256(data.substr(0, pos));
    if (!std::equal(digest.begin(), digest.end(),
                    reinterpret_cast<const unsigned char*>(data.data() + pos))) {
      throw fail("the appended SHA-256 does not match the image: the file is damaged");
    }
    pos += kHashSize;
  }
  img.size = pos;
  const EspSegment& first = img.segments.front();
  if (first.size >= kAppDescSize && u32(data, first.offset) == kEspAppDescMagic) {
    img.desc = desc_at(data, first.offset);
  }
  return img;
}

}  // namespace mpytool
