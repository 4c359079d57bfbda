// SPDX-License-Identifier: MIT
// RomClient, connect() and write_flash() against a scripted fake ROM (fake_rom.hpp): SYNC and
// its 8 replies, chip detection by GET_SECURITY_INFO and by the magic register, a compressed
// write (sequence numbers, checksums, the MD5 check), the uncompressed fallback, baud changes,
// erases, a refused command, and connect() failing with the sequences it tried.
#include "mpytool/esp_rom/rom_client.hpp"

#include <boost/test/unit_test.hpp>
#include <random>
#include <string>

#include "fake_rom.hpp"

using namespace mpytool;
using namespace mpytool::esp_rom;
using mpytool::testing::FakeRom;
using namespace std::string_literals;

namespace {

// An image that compresses as firmware does: code-like bytes and long 0xFF gaps.
std::string firmware_like(std::size_t size) {
  std::string s;
  std::mt19937 rng(7);
  while (s.size() < size) {
    for (int i = 0; i < 300; ++i) s += static_cast<char>("movi a2, 0x10\n"[rng() % 14]);
    s += std::string(rng() % 2000, '\xFF');
  }
  s.resize(size);
  return s;
}

std::string random_bytes(std::size_t size) {
  std::string s;
  std::mt19937 rng(3);
  for (std::size_t i = 0; i < size; ++i) s += static_cast<char>(rng());
  return s;
}

void make_esp32(FakeRom& rom) {
  rom.security_info = false;
  rom.regs[kChipMagicReg] = 0x00F01D83;
  rom.spi_base = 0x3FF42000;
  rom.spi_w0 = 0x80;
  rom.regs[0x3FF5A004] = 0xC4123456;  // MAC: 24:0a:c4:12:34:56
  rom.regs[0x3FF5A008] = 0x0000240A;
  rom.regs[0x3FF5A00C] = 1u << 15;  // major revision bits: v3
  rom.regs[0x3FF5A014] = 1u << 20;
  rom.regs[0x3FF6607C] = 1u << 31;
}

std::uint32_t word(const std::string& d, std::size_t i) {
  std::uint32_t v = 0;
  for (int b = 3; b >= 0; --b) v = v << 8 | static_cast<unsigned char>(d[4 * i + b]);
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rom_client_test)

BOOST_AUTO_TEST_CASE(sync_drains_the_eight_replies) {
  FakeRom fake;
  fake.in_download = true;
  RomClient rom(fake);
  BOOST_TEST(rom.sync());
  BOOST_TEST(!rom.stub_answered());
  BOOST_TEST(fake.ops.size() == 1u);
  BOOST_TEST(fake.requests[0].size() == 36u);
  BOOST_TEST(fake.requests[0].substr(0, 4) == "\x07\x07\x12\x20");
  fake.regs[0x1234] = 42;
  BOOST_TEST(rom.read_reg(0x1234) == 42u);  // no SYNC reply left over
}

BOOST_AUTO_TEST_CASE(answers_to_other_commands_are_skipped) {
  FakeRom fake;
  fake.in_download = true;
  fake.regs[0x10] = 7;
  // A late SYNC reply, a stub-style short packet and stray text come before the answer.
  fake.inject =
      "\xC0\x01\x08\x04\x00\x07\x07\x12\x20\x00\x00\x00\x00\xC0"
      "\xC0\x4F\x48\x41\x49\xC0noise"s;
  RomClient rom(fake);
  BOOST_TEST(rom.read_reg(0x10) == 7u);
  BOOST_TEST(rom.take_text() == "noise");
  fake.in_download = false;
  BOOST_CHECK_EXCEPTION(
      rom.transact(RomOp::kReadReg, "\x10\0\0\0"s, 0, 0.05), Timeout, [](const Timeout& e) {
        return std::string(e.what()) == "the ROM did not answer READ_REG within 0.05 s";
      });
}

BOOST_AUTO_TEST_CASE(sync_without_answer) {
  FakeRom fake;  // not in download mode: silent
  RomClient rom(fake);
  BOOST_TEST(!rom.sync(0.02, 0.02));
}

BOOST_AUTO_TEST_CASE(connect_detects_by_security_info) {
  FakeRom fake;
  fake.regs[0x60007044] = 0xAABBCCDD;  // S3 MAC words
  fake.regs[0x60007048] = 0x00001122;
  fake.regs[0x60007058] = (1u << 24) | (1u << 23);  // major 1, minor hi bit
  fake.regs[0x60007050] = 2u << 18;                 // minor low bits
  RomClient rom(fake);
  std::vector<std::string> said;
  ConnectOptions opts;
  opts.status = [&](std::string_view s) { said.emplace_back(s); };
  auto d = connect(rom, {bootloader_reset_sequence()}, opts);
  BOOST_TEST(d.chip->name == "ESP32-S3");
  BOOST_TEST(d.mac == "11:22:aa:bb:cc:dd");
  BOOST_TEST(d.revision == "v1.10");
  BOOST_TEST(d.flash_id == 0x1640EFu);
  BOOST_TEST(d.flash_size == 4u << 20);
  BOOST_TEST(!d.secure_download);
  BOOST_TEST(!d.flash_encryption);
  BOOST_TEST(d.features.front() == "Wi-Fi");
  BOOST_TEST(fake.resets.size() == 1u);
  BOOST_TEST(std::count(fake.ops.begin(), fake.ops.end(), 0x0D) == 1);  // SPI_ATTACH
  auto attach = std::find(fake.ops.begin(), fake.ops.end(), 0x0D) - fake.ops.begin();
  BOOST_TEST(fake.requests[attach].size() == 8u);
  auto params = std::find(fake.ops.begin(), fake.ops.end(), 0x0B) - fake.ops.begin();
  BOOST_TEST_REQUIRE(params < static_cast<long>(fake.ops.size()));
  BOOST_TEST(word(fake.requests[params], 1) == 4u << 20);
  for (std::size_t i = 0; i < fake.ops.size(); ++i)  // the chip id sufficed: no magic read
    BOOST_TEST(!(fake.ops[i] == 0x0A && word(fake.requests[i], 0) == kChipMagicReg));
  BOOST_TEST(said.back() == "detected ESP32-S3");
}

BOOST_AUTO_TEST_CASE(connect_detects_esp32_by_magic) {
  FakeRom fake;
  make_esp32(fake);
  fake.regs[0x3FF5A000] = 1u << 20;  // FLASH_CRYPT_CNT: one bit, encryption on
  RomClient rom(fake);
  auto d = connect(rom, {bootloader_reset_sequence()});
  BOOST_TEST(d.chip->name == "ESP32");
  BOOST_TEST(d.mac == "24:0a:c4:12:34:56");
  BOOST_TEST(d.revision == "v3.0");
  BOOST_TEST(d.flash_encryption);
  BOOST_TEST(d.flash_size == 4u << 20);
  // GET_SECURITY_INFO was refused (twice) and the magic register read next.
  BOOST_TEST(fake.ops[1] == 0x14);
  BOOST_TEST(fake.ops[2] == 0x0A);
  BOOST_TEST(word(fake.requests[2], 0) == kChipMagicReg);
  // The ESP32 ROM's FLASH_BEGIN has 4 words.
  rom.flash_begin(0x2000, 0x1000);
  BOOST_TEST(fake.requests.back().size() == 16u);
}

BOOST_AUTO_TEST_CASE(esp32s2_short_security_info_falls_back_to_magic) {
  FakeRom fake;
  fake.short_security_info = true;
  fake.crypt_cnt = 0x3;  // two bits: encryption off again
  fake.regs[kChipMagicReg] = 0x000007C6;
  fake.spi_base = 0x3F402000;
  RomClient rom(fake);
  auto d = connect(rom, {bootloader_reset_sequence()});
  BOOST_TEST(d.chip->name == "ESP32-S2");
  BOOST_TEST(!d.flash_encryption);
  BOOST_TEST(d.flash_size == 4u << 20);
}

BOOST_AUTO_TEST_CASE(unknown_chip) {
  FakeRom fake;
  fake.chip_id = 77;
  RomClient rom(fake);
  BOOST_CHECK_EXCEPTION(
      connect(rom, {bootloader_reset_sequence()}), MpyError,
      [](const MpyError& e) { return std::string(e.what()) == "unknown ESP chip (chip id 77)"; });
}

BOOST_AUTO_TEST_CASE(secure_download_mode_reads_no_register) {
  FakeRom fake;
  fake.sec_flags = 1u << 2;
  RomClient rom(fake);
  auto d = connect(rom, {bootloader_reset_sequence()});
  BOOST_TEST(d.secure_download);
  BOOST_TEST(d.mac.empty());
  BOOST_TEST(std::count(fake.ops.begin(), fake.ops.end(), 0x0A) == 0);
}

BOOST_AUTO_TEST_CASE(connect_tries_each_sequence) {
  FakeRom fake;
  auto second = parse_reset_sequence("U0,0|U1,1|U0,1|W0.1|U1,0|W0.05|U0,0");
  fake.enters_download = [&](const ResetSequence& s) { return s == second; };
  RomClient rom(fake);
  ConnectOptions opts;
  opts.syncs_per_attempt = 2;
  opts.sync_timeout = 0.02;
  auto d = connect(rom, {bootloader_reset_sequence(), second}, opts);
  BOOST_TEST(d.chip->name == "ESP32-S3");
  BOOST_TEST(fake.resets.size() == 3u);  // 2 attempts with the first, 1 with the second
  BOOST_TEST(fake.resets.back() == format_reset_sequence(second));
}

BOOST_AUTO_TEST_CASE(connect_fails_naming_the_sequences) {
  FakeRom fake;
  fake.enters_download = [](const ResetSequence&) { return false; };
  fake.boot_mode = "0x13";
  RomClient rom(fake);
  ConnectOptions opts;
  opts.syncs_per_attempt = 1;
  opts.sync_timeout = 0.02;
  auto other = parse_reset_sequence("D0|R1|W0.5|D1|R0|W0.05|D0");
  try {
    connect(rom, {bootloader_reset_sequence(), other}, opts);
    BOOST_FAIL("connect should fail");
  } catch (const ConnError& e) {
    std::string msg = e.what();
    BOOST_TEST(msg ==
               "cannot enter the ESP ROM bootloader on fakerom: no sync reply after the "
               "reset sequences D0|R1|W0.1|D1|R0|W0.05|D0 (2x), D0|R1|W0.5|D1|R0|W0.05|D0 "
               "(2x); the ROM reported boot:0x13 (not download mode)");
    BOOST_TEST(e.hint() == "hold BOOT while pressing EN (RESET), then run the command again");
    BOOST_TEST(msg.find('\n') == std::string::npos);
  }
  BOOST_TEST(fake.resets.size() == 4u);
}

BOOST_AUTO_TEST_CASE(compressed_write_and_verify) {
  FakeRom fake;
  RomClient rom(fake);
  connect(rom, {bootloader_reset_sequence()});
  auto image = firmware_like(100 * 1024 + 123);
  std::vector<std::size_t> progress;
  auto report = write_flash(rom, 0x10000, image, {},
                            [&](std::size_t done, std::size_t) { progress.push_back(done); });
  BOOST_TEST(report.bytes == image.size());
  BOOST_TEST(report.compressed_bytes < image.size() / 2);
  BOOST_TEST(report.wire_bytes > report.compressed_bytes);
  BOOST_TEST(report.md5 == md5_hex(image));
  BOOST_TEST(fake.flash.substr(0x10000, image.size()) == image);
  BOOST_TEST(fake.bad_checksums == 0);
  std::size_t blocks = (report.compressed_bytes + 0x3FF) / 0x400;
  BOOST_TEST_REQUIRE(fake.data_seqs.size() == blocks);
  for (std::size_t i = 0; i < blocks; ++i) BOOST_TEST(fake.data_seqs[i] == i);
  // FLASH_DEFL_BEGIN: size rounded up to 1 KB, block count, block size, offset, encrypted 0.
  auto begin = std::find(fake.ops.begin(), fake.ops.end(), 0x10) - fake.ops.begin();
  const auto& w = fake.requests[begin];
  BOOST_TEST(w.size() == 20u);
  BOOST_TEST(word(w, 0) == 101u * 1024);
  BOOST_TEST(word(w, 1) == blocks);
  BOOST_TEST(word(w, 2) == 0x400u);
  BOOST_TEST(word(w, 3) == 0x10000u);
  BOOST_TEST(fake.ops.back() == 0x13);  // verified, no FLASH_END
  BOOST_TEST(progress.front() == 0u);
  BOOST_TEST(progress.back() == image.size());
}

BOOST_AUTO_TEST_CASE(incompressible_data_goes_uncompressed) {
  FakeRom fake;
  RomClient rom(fake);
  connect(rom, {bootloader_reset_sequence()});
  auto image = random_bytes(3000);
  auto report = write_flash(rom, 0x1000, image);
  BOOST_TEST(report.compressed_bytes == image.size());
  BOOST_TEST(std::count(fake.ops.begin(), fake.ops.end(), 0x03) == 3);
  BOOST_TEST(std::count(fake.ops.begin(), fake.ops.end(), 0x10) == 0);
  BOOST_TEST(fake.flash.substr(0x1000, image.size()) == image);
  BOOST_TEST(fake.flash[0x1000 + 3000] == '\xFF');  // the last block padded with 0xFF
}

BOOST_AUTO_TEST_CASE(md5_mismatch_is_an_error) {
  FakeRom fake;
  fake.corrupt_writes = true;
  RomClient rom(fake);
  connect(rom, {bootloader_reset_sequence()});
  BOOST_CHECK_EXCEPTION(write_flash(rom, 0, firmware_like(5000)), VerifyError,
                        [](const VerifyError& e) {
                          return std::string(e.what()).starts_with(
                              "flash at 0x0 (5000 bytes) does not match what was written: MD5 ");
                        });
}

BOOST_AUTO_TEST_CASE(refused_command) {
  FakeRom fake;
  RomClient rom(fake);
  connect(rom, {bootloader_reset_sequence()});
  fake.fail_op = 0x02;
  BOOST_CHECK_EXCEPTION(rom.flash_begin(0x1000, 0), RomError, [](const RomError& e) {
    return std::string(e.what()) == "the ROM refused FLASH_BEGIN (error 0x05: invalid message)";
  });
  BOOST_CHECK_THROW(write_flash(rom, 0x800, "x"), UsageError);  // not 4 KB aligned
}

BOOST_AUTO_TEST_CASE(baud_change_follows_on_the_link) {
  FakeRom fake;
  fake.in_download = true;
  RomClient rom(fake);
  rom.change_baud(460800);
  BOOST_TEST(fake.ops.back() == 0x0F);
  BOOST_TEST(word(fake.requests.back(), 0) == 460800u);
  BOOST_TEST(word(fake.requests.back(), 1) == 0u);
  BOOST_TEST_REQUIRE(fake.bauds.size() == 1u);
  BOOST_TEST(fake.bauds[0] == 460800);
}

BOOST_AUTO_TEST_CASE(erase_uses_flash_begin) {
  FakeRom fake;
  RomClient rom(fake);
  connect(rom, {bootloader_reset_sequence()});
  fake.flash.replace(0x3000, 4, "data");
  erase_region(rom, 0x2000, 0x2000);
  BOOST_TEST(fake.flash.substr(0x3000, 4) == "\xFF\xFF\xFF\xFF");
  BOOST_TEST(fake.erased.back() == 0x2000u);
  erase_all(rom, 4u << 20);
  BOOST_TEST(fake.erased.back() == 4u << 20);
  BOOST_TEST(rom.flash_md5(0, 16) == md5_hex(std::string(16, '\xFF')));  // still in the loader
  BOOST_CHECK_THROW(erase_region(rom, 0x100, 0x1000), UsageError);
}

BOOST_AUTO_TEST_SUITE_END()
