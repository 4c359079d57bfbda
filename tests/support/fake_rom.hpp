// SPDX-License-Identifier: MIT
/// \file
/// FakeRom: a Conn that behaves like an ESP ROM serial loader at the byte level, synchronously
/// (FakeLink style): reset sequences that enter download mode or not (with the ROM's banner),
/// SLIP requests answered with 4 status bytes, ~8 replies to a SYNC, registers, a flash that
/// FLASH_BEGIN erases and *_DATA write (deflate inflated), hex MD5, CHANGE_BAUDRATE.
#pragma once

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mpytool/link/conn.hpp"

namespace mpytool::testing {

class FakeRom : public Conn {
 public:
  // --- configuration -------------------------------------------------------------------
  /// Whether a reset with this sequence leaves the chip in download mode.
  std::function<bool(const ResetSequence&)> enters_download = [](const ResetSequence&) {
    return true;
  };
  bool in_download = false;          ///< answering packets
  int sync_replies = 8;              ///< replies to one SYNC
  bool security_info = true;         ///< GET_SECURITY_INFO known (false: ESP32, fails with 0x05)
  std::uint32_t chip_id = 9;         ///< GET_SECURITY_INFO's chip id (ESP32-S3)
  bool short_security_info = false;  ///< the ESP32-S2's 12-byte answer (no chip id)
  std::uint32_t sec_flags = 0;
  std::uint8_t crypt_cnt = 0;
  std::string boot_mode = "0x3";                ///< in the banner; another value: a normal boot
  std::map<std::uint32_t, std::uint32_t> regs;  ///< READ_REG answers (0 when absent)
  std::uint32_t spi_base = 0x60002000, spi_w0 = 0x58;  ///< RDID answered here
  std::uint32_t jedec_id = 0x1640EF;                   ///< 4 MB winbond
  std::string flash = std::string(4 << 20, '\xFF');
  bool corrupt_writes = false;          ///< flips a byte of each written block (MD5 mismatch)
  std::optional<std::uint8_t> fail_op;  ///< this op fails with error 0x05
  std::string inject;  ///< raw bytes sent (once) before the next answer: stale packets, noise

  // --- records ---------------------------------------------------------------------------
  std::vector<std::string> resets;       ///< each sequence run, formatted
  std::vector<std::uint8_t> ops;         ///< every request's op
  std::vector<std::string> requests;     ///< every request's data
  std::vector<int> bauds;                ///< set_baud calls
  std::vector<std::uint32_t> erased;     ///< FLASH_BEGIN / DEFL_BEGIN sizes
  std::vector<std::uint32_t> data_seqs;  ///< sequence numbers of *_DATA
  int bad_checksums = 0;

  int fd() const override { return -1; }
  void close() override {}
  std::string description() const override { return "fakerom"; }
  std::string type_name() const override { return "fake"; }
  void run_reset_sequence(const ResetSequence& seq) override {
    resets.push_back(format_reset_sequence(seq));
    in_download = enters_download(seq);
    rx_ += "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:" +
           (in_download ? std::string("0x3") : boot_mode) +
           " (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\n";
    if (in_download) rx_ += "waiting for download\r\n";
  }
  void set_baud(int baud) override { bauds.push_back(baud); }

 protected:
  bool wait_readable(double timeout) override {
    if (rx_.empty())  // nothing is produced while the host waits: the ROM only answers
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(timeout, 0.005)));
    return !rx_.empty();
  }
  Bytes read_available() override { return std::exchange(rx_, {}); }
  std::size_t write_some(std::string_view data) override {
    for (char c : data) feed(c);
    return data.size();
  }

 private:
  static std::uint32_t u32(const std::string& s, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
    return v;
  }
  static void put32(std::string& s, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
  }

  void feed(char c) {
    if (c == '\xC0') {
      if (in_frame_ && !frame_.empty()) {
        handle(std::exchange(frame_, {}));
        in_frame_ = false;
      } else {
        in_frame_ = true;
      }
      return;
    }
    if (!in_frame_) return;
    if (esc_) {
      frame_ += c == '\xDC' ? '\xC0' : c == '\xDD' ? '\xDB' : c;
      esc_ = false;
    } else if (c == '\xDB') {
      esc_ = true;
    } else {
      frame_ += c;
    }
  }

  void reply(std::uint8_t op, std::uint32_t value, const std::string& data, std::uint8_t status = 0,
             std::uint8_t error = 0) {
    std::string p;
    p += '\x01';
    p += static_cast<char>(op);
    std::string body =
        data + std::string{static_cast<char>(status), static_cast<char>(error), 0, 0};
    p += static_cast<char>(body.size() & 0xFF);
    p += static_cast<char>(body.size() >> 8);
    put32(p, value);
    p += body;
    rx_ += '\xC0';
    for (char ch : p) {
      if (ch == '\xC0')
        rx_ += "\xDB\xDC";
      else if (ch == '\xDB')
        rx_ += "\xDB\xDD";
      else
        rx_ += ch;
    }
    rx_ += '\xC0';
  }

  void write_at(std::uint32_t addr, std::string data) {
    if (corrupt_writes && !data.empty()) data[0] ^= 1;
    flash.replace(addr, data.size(), data);
  }

  void handle(const std::string& pkt) {
    if (!in_download || pkt.size() < 8 || pkt[0] != 0) return;
    auto op = static_cast<std::uint8_t>(pkt[1]);
    std::string d = pkt.substr(8);
    std::uint32_t checksum = u32(pkt, 4);
    ops.push_back(op);
    requests.push_back(d);
    rx_ += std::exchange(inject, {});
    if (fail_op && *fail_op == op) return reply(op, 0, "", 1, 0x05);
    switch (op) {
      case 0x08:
        for (int i = 0; i < sync_replies; ++i) reply(op, 0x20120707, "");
        return;
      case 0x0A:
        return reply(op, regs.count(u32(d, 0)) ? regs[u32(d, 0)] : 0, "");
      case 0x09: {
        auto addr = u32(d, 0), value = u32(d, 4);
        regs[addr] = value;
        if (addr == spi_base && (value & (1u << 18))) {  // SPI user command: RDID
          regs[spi_base] = 0;
          regs[spi_base + spi_w0] = jedec_id;
        }
        return reply(op, 0, "");
      }
      case 0x14: {
        if (!security_info) {
          reply(op, 0, "", 1, 0x05);
          return reply(op, 0, "", 1, 0x05);  // answered twice, as some ROMs do
        }
        std::string s;
        put32(s, sec_flags);
        s += static_cast<char>(crypt_cnt);
        s += std::string(7, '\0');
        if (!short_security_info) {
          put32(s, chip_id);
          put32(s, 1);
        }
        return reply(op, 0, s);
      }
      case 0x02:
      case 0x10: {  // FLASH_BEGIN / FLASH_DEFL_BEGIN: erase now
        auto size = u32(d, 0), offset = u32(d, 12);
        erased.push_back(size);
        flash.replace(offset, size, std::string(size, '\xFF'));
        offset_ = offset;
        written_ = 0;
        if (op == 0x10) {
          if (inflating_) inflateEnd(&inflate_);
          inflate_ = z_stream{};
          inflating_ = inflateInit(&inflate_) == Z_OK;
        }
        return reply(op, 0, "");
      }
      case 0x03:
      case 0x11: {
        auto len = u32(d, 0);
        data_seqs.push_back(u32(d, 4));
        std::string payload = d.substr(16, len);
        std::uint8_t sum = 0xEF;
        for (char ch : payload) sum ^= static_cast<std::uint8_t>(ch);
        if (sum != checksum) {
          ++bad_checksums;
          return reply(op, 0, "", 1, 0x07);
        }
        std::string out = payload;
        if (op == 0x11) {
          out.clear();
          std::string buf(1 << 16, '\0');
          inflate_.next_in = reinterpret_cast<Bytef*>(payload.data());
          inflate_.avail_in = static_cast<uInt>(payload.size());
          int rc;
          do {
            inflate_.next_out = reinterpret_cast<Bytef*>(buf.data());
            inflate_.avail_out = static_cast<uInt>(buf.size());
            rc = inflate(&inflate_, Z_NO_FLUSH);
            out.append(buf.data(), buf.size() - inflate_.avail_out);
          } while (rc == Z_OK && (inflate_.avail_in > 0 || inflate_.avail_out == 0));
          if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            return reply(op, 0, "", 1, 0x0B);
        }
        write_at(offset_ + written_, out);
        written_ += static_cast<std::uint32_t>(out.size());
        return reply(op, 0, "");
      }
      case 0x13: {
        auto addr = u32(d, 0), size = u32(d, 4);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        EVP_Digest(flash.data() + addr, size, md, &len, EVP_md5(), nullptr);
        std::string hex;
        static const char* digits = "0123456789abcdef";
        for (unsigned i = 0; i < len; ++i) {
          hex += digits[md[i] >> 4];
          hex += digits[md[i] & 15];
        }
        return reply(op, 0, hex);
      }
      case 0x04:
      case 0x12:
        reply(op, 0, "");
        in_download = false;
        return;
      case 0x0B:
      case 0x0D:
      case 0x0F:
        return reply(op, 0, "");
      default:
        return reply(op, 0, "", 1, 0x05);
    }
  }

  std::string rx_, frame_;
  bool in_frame_ = false, esc_ = false;
  std::uint32_t offset_ = 0, written_ = 0;
  z_stream inflate_{};
  bool inflating_ = false;

 public:
  ~FakeRom() override {
    if (inflating_) inflateEnd(&inflate_);
  }
};

}  // namespace mpytool::testing
