// SPDX-License-Identifier: MIT
#include "mpytool/esp_rom/rom_client.hpp"

#include <fmt/format.h>

#include <bit>
#include <chrono>
#include <thread>

#include "wire.hpp"

namespace mpytool::esp_rom {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kSyncData =
    "\x07\x07\x12\x20"
    "UUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUU";  // 'U' = 0x55
constexpr int kMaxOtherPackets = 100;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The ROM erases at BEGIN: a flash erases a 64 KB block in 2 s at worst (datasheets).
double erase_timeout(std::uint64_t size) { return 3.0 + 2.0 * ((size + 0xFFFF) / 0x10000); }

}  // namespace

bool SecurityInfo::flash_encryption() const noexcept {
  return std::popcount(flash_crypt_cnt) % 2 == 1;
}

RomClient::RomClient(Conn& conn) : conn_(&conn) {}

std::optional<std::string> RomClient::read_packet(double timeout) {
  auto start = Clock::now();
  while (true) {
    if (auto p = slip_.next_packet()) return p;
    double left = timeout - seconds_since(start);
    if (left <= 0) return std::nullopt;
    slip_.feed(conn_->read(left));
  }
}

RomResponse RomClient::transact(RomOp op, std::string_view data, std::uint32_t checksum,
                                double timeout) {
  auto frame = slip_encode(make_request(op, data, checksum));
  conn_->write(frame);
  wire_bytes_ += frame.size();
  for (int others = 0; others <= kMaxOtherPackets; ++others) {
    auto p = read_packet(timeout);
    if (!p)
      throw Timeout(fmt::format("the ROM did not answer {} within {:g} s", op_name(op), timeout));
    try {
      auto r = parse_response(*p);
      if (r.op == op) return r;
    } catch (const MpyError&) {  // a stub's short packet, line noise: not our answer
    }
  }
  throw ConnError(
      fmt::format("no answer to {} among {} packets from the ROM", op_name(op), kMaxOtherPackets));
}

RomResponse RomClient::command(RomOp op, std::string_view data, std::uint32_t checksum,
                               double timeout) {
  auto r = transact(op, data, checksum, timeout);
  if (!r.ok()) throw RomError(op, r.status, r.error);
  return r;
}

std::string RomClient::take_text() { return slip_.take_text(); }

void RomClient::discard_input() {
  conn_->flush();
  slip_.clear();
}

std::string RomClient::read_banner(double quiet, double limit) {
  slip_.feed(conn_->flush());
  std::string text = slip_.take_text();
  auto start = Clock::now();
  while (text.find("waiting for download") == std::string::npos) {
    double left = limit - seconds_since(start);
    if (left <= 0) break;
    auto bytes = conn_->read(std::min(quiet, left));
    if (bytes.empty()) break;
    slip_.feed(bytes);
    text += slip_.take_text();
  }
  return text;
}

bool RomClient::sync(double timeout, double drain) {
  auto frame = slip_encode(make_request(RomOp::kSync, kSyncData));
  conn_->write(frame);
  wire_bytes_ += frame.size();
  std::optional<RomResponse> first;
  auto start = Clock::now();
  while (!first) {
    double left = timeout - seconds_since(start);
    auto p = left > 0 ? read_packet(left) : std::nullopt;
    if (!p) return false;
    try {
      if (auto r = parse_response(*p); r.op == RomOp::kSync) first = r;
    } catch (const MpyError&) {
    }
  }
  for (int i = 0; i < 7 && read_packet(drain); ++i) {  // the ROM's further replies
  }
  stub_ = first->value == 0;
  return first->ok();
}

std::uint32_t RomClient::read_reg(std::uint32_t addr) {
  return command(RomOp::kReadReg, words({addr})).value;
}

void RomClient::write_reg(std::uint32_t addr, std::uint32_t value, std::uint32_t mask,
                          std::uint32_t delay_us) {
  command(RomOp::kWriteReg, words({addr, value, mask, delay_us}));
}

std::optional<SecurityInfo> RomClient::security_info() {
  auto r = transact(RomOp::kGetSecurityInfo, {});
  if (!r.ok()) {
    if (r.error != 0x05 && r.error != 0xFF) throw RomError(r.op, r.status, r.error);
    while (read_packet(0.1)) {  // an unknown command may be answered several times
    }
    return std::nullopt;
  }
  if (r.data.size() < 12)
    throw MpyError(
        fmt::format("malformed ROM response ({} bytes of security info)", r.data.size()));
  SecurityInfo info;
  info.flags = get32(r.data, 0);
  info.flash_crypt_cnt = get8(r.data, 4);
  for (std::size_t i = 0; i < info.key_purposes.size(); ++i)
    info.key_purposes[i] = get8(r.data, 5 + i);
  if (r.data.size() >= 20) {
    info.chip_id = get32(r.data, 12);
    info.api_version = get32(r.data, 16);
  }
  return info;
}

void RomClient::spi_attach() { command(RomOp::kSpiAttach, words({0, 0})); }

void RomClient::spi_set_params(std::uint32_t flash_size) {
  command(RomOp::kSpiSetParams, words({0, flash_size, 0x10000, 0x1000, 0x100, 0xFFFF}));
}

std::uint32_t RomClient::flash_id() {
  if (!chip_) throw MpyError("reading the flash id needs the chip (connect first)");
  const auto& s = chip_->spi;
  constexpr std::uint32_t kUsrCommand = 1u << 31, kUsrMiso = 1u << 28, kCmdUsr = 1u << 18;
  constexpr std::uint32_t kRdid = 0x9F;
  auto old_usr = read_reg(s.base + s.usr);
  auto old_usr2 = read_reg(s.base + s.usr2);
  write_reg(s.base + s.miso_dlen, 24 - 1);
  write_reg(s.base + s.usr, kUsrCommand | kUsrMiso);
  write_reg(s.base + s.usr2, (7u << 28) | kRdid);  // an 8-bit command
  write_reg(s.base + s.w0, 0);
  write_reg(s.base, kCmdUsr);
  int polls = 0;
  while (read_reg(s.base) & kCmdUsr)
    if (++polls == 10) throw MpyError("the SPI flash did not answer RDID");
  auto id = read_reg(s.base + s.w0) & 0xFFFFFF;
  write_reg(s.base + s.usr, old_usr);
  write_reg(s.base + s.usr2, old_usr2);
  return id;
}

std::string RomClient::begin_words(std::uint32_t size, std::uint32_t blocks,
                                   std::uint32_t offset) const {
  auto w = words({size, blocks, static_cast<std::uint32_t>(block_size_), offset});
  if (!chip_ || chip_->begin_has_encrypted_word) put32(w, 0);  // not encrypted
  return w;
}

void RomClient::flash_begin(std::uint32_t size, std::uint32_t offset) {
  auto blocks = static_cast<std::uint32_t>((size + block_size_ - 1) / block_size_);
  command(RomOp::kFlashBegin, begin_words(size, blocks, offset), 0, erase_timeout(size));
}

void RomClient::flash_data(std::string_view block, std::uint32_t seq) {
  std::string padded(block);
  if (padded.size() < block_size_) padded.resize(block_size_, '\xFF');
  auto data = words({static_cast<std::uint32_t>(padded.size()), seq, 0, 0}) + padded;
  command(RomOp::kFlashData, data, rom_checksum(padded));
}

void RomClient::flash_end(bool reboot) {
  try {  // the ROM answers, then leaves the loader either way
    command(RomOp::kFlashEnd, words({reboot ? 0u : 1u}), 0, 1.0);
  } catch (const Timeout&) {
  }
}

void RomClient::flash_defl_begin(std::uint32_t uncompressed_size, std::uint32_t compressed_size,
                                 std::uint32_t offset) {
  auto unit = static_cast<std::uint32_t>(block_size_);  // the ROM wants whole blocks
  auto size = (uncompressed_size + unit - 1) / unit * unit;
  auto blocks = static_cast<std::uint32_t>((compressed_size + block_size_ - 1) / block_size_);
  command(RomOp::kFlashDeflBegin, begin_words(size, blocks, offset), 0, erase_timeout(size));
}

void RomClient::flash_defl_data(std::string_view block, std::uint32_t seq, double timeout) {
  auto data = words({static_cast<std::uint32_t>(block.size()), seq, 0, 0});
  data += block;
  command(RomOp::kFlashDeflData, data, rom_checksum(block), timeout);
}

void RomClient::flash_defl_end(bool reboot) {
  try {
    command(RomOp::kFlashDeflEnd, words({reboot ? 0u : 1u}), 0, 1.0);
  } catch (const Timeout&) {
  }
}

std::string RomClient::flash_md5(std::uint32_t addr, std::uint32_t size) {
  auto r = command(RomOp::kSpiFlashMd5, words({addr, size, 0, 0}), 0, 3.0 + 8.0 * size / (1 << 20));
  if (r.data.size() == 32) {
    std::string hex;
    for (char c : r.data) hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return hex;
  }
  if (r.data.size() == 16) {
    std::string hex;
    for (char c : r.data) hex += fmt::format("{:02x}", static_cast<unsigned char>(c));
    return hex;
  }
  throw MpyError(fmt::format("malformed ROM response ({} bytes of MD5)", r.data.size()));
}

void RomClient::change_baud(int baud) {
  command(RomOp::kChangeBaudrate, words({static_cast<std::uint32_t>(baud), 0}));
  conn_->set_baud(baud);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  conn_->flush();
  slip_.clear();
}

}  // namespace mpytool::esp_rom
