// SPDX-License-Identifier: MIT
// The ESP32 partition layer: otadata entries (ESP-IDF's esp_ota_select_entry_t, CRC of the
// sequence), type and state names, the profile's layout guard, the block device of a
// partition, and the table as partitions() reads it from a FakeLink board answering the
// esp32_ptab helper (sdk/esp32/helpers/esp32_ptab.py), with the filesystem each data
// partition holds.
#include "mpytool/esp32/partitions.hpp"

#include <openssl/evp.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "fake_link.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/board/mpy.hpp"

namespace esp32 = mpytool::esp32;
using mpytool::ProfilePartition;
using mpytool::testing::FakeLink;
using mpytool::testing::FakeReply;

namespace {

void put32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
}

// One otadata sector's entry: ota_seq, seq_label (20 bytes), ota_state, crc.
void entry(std::string& otadata, std::size_t at, std::uint32_t seq, std::uint32_t state,
           std::uint32_t crc) {
  put32(otadata, at, seq);
  put32(otadata, at + 24, state);
  put32(otadata, at + 28, crc);
}

// CRCs of ota_seq 1 and 2 as ESP-IDF writes them (esp_rom_crc32_le(UINT32_MAX, &seq, 4)).
constexpr std::uint32_t kCrcSeq1 = 0x4743989A;
constexpr std::uint32_t kCrcSeq2 = 0x55F63774;

std::string b64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  out.resize(static_cast<std::size_t>(EVP_EncodeBlock(
      reinterpret_cast<unsigned char*>(out.data()),
      reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()))));
  return out;
}

// First 512 bytes of a littlefs2 and of a FAT16 volume (512-byte sectors, 4 per cluster).
std::string littlefs_head() {
  std::string s(512, '\0');
  s.replace(8, 8, "littlefs");
  return s;
}
std::string fat16_head() {
  std::string s(512, '\0');
  s[11] = 0x00;
  s[12] = 0x02;  // 512 bytes per sector
  s[13] = 4;     // sectors per cluster
  s.replace(54, 8, "FAT16   ");
  s[510] = 0x55;
  s[511] = static_cast<char>(0xAA);
  return s;
}

// What print(_mt_ptab()) shows on a board with two OTA slots (rows in esp32.Partition.find
// order, not by offset).
std::string ptab_answer() {
  return "([((0, 16, 65536, 1572864, 'ota_0', False), None), "
         "((0, 17, 1638400, 1572864, 'ota_1', False), None), "
         "((1, 2, 36864, 16384, 'nvs', False), None), "
         "((1, 0, 53248, 8192, 'otadata', False), None), "
         "((1, 131, 3211264, 851968, 'vfs', False), b'" +
         b64(littlefs_head()) +
         "'), "
         "((1, 129, 4063232, 131072, 'ffat', True), b'" +
         b64(fat16_head()) + "')], 'ota_0', 'ota_1', 'ota_1')\r\n";
}

std::vector<ProfilePartition> profile_layout() {
  return {{"nvs", 1, 2, 0x9000, 0x4000},       {"otadata", 1, 0, 0xD000, 0x2000},
          {"ota_0", 0, 16, 0x10000, 0x180000}, {"ota_1", 0, 17, 0x190000, 0x180000},
          {"vfs", 1, 131, 0x310000, 0xD0000},  {"ffat", 1, 129, 0x3E0000, 0x20000}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(partitions_test)

BOOST_AUTO_TEST_CASE(otadata_entries_newest_first) {
  std::string otadata(8192, '\xff');
  entry(otadata, 0, 1, 2, kCrcSeq1);     // valid
  entry(otadata, 4096, 2, 1, kCrcSeq2);  // pending_verify
  std::vector<esp32::OtaDataEntry> e = esp32::parse_otadata(otadata);
  BOOST_TEST_REQUIRE(e.size() == 2u);
  BOOST_TEST(e[0].seq == 2u);
  BOOST_TEST(e[0].state == 1u);
  BOOST_TEST(e[1].seq == 1u);
  BOOST_TEST(e[1].state == 2u);

  // A damaged entry (its CRC does not match its sequence) and an erased one are left out.
  entry(otadata, 4096, 2, 1, kCrcSeq1);
  e = esp32::parse_otadata(otadata);
  BOOST_TEST_REQUIRE(e.size() == 1u);
  BOOST_TEST(e[0].seq == 1u);
  BOOST_TEST(esp32::parse_otadata(std::string(8192, '\xff')).empty());
  // Only the first sector read: the second is not there.
  std::string first(otadata.substr(0, 4096 + 16));
  e = esp32::parse_otadata(first);
  BOOST_TEST_REQUIRE(e.size() == 1u);
  BOOST_TEST(e[0].seq == 1u);
  BOOST_TEST(esp32::parse_otadata("").empty());
}

BOOST_AUTO_TEST_CASE(names_of_types_subtypes_and_states) {
  BOOST_TEST(esp32::type_name(0) == "app");
  BOOST_TEST(esp32::type_name(1) == "data");
  BOOST_TEST(esp32::type_name(64) == "64");
  BOOST_TEST(esp32::subtype_name(0, 0) == "factory");
  BOOST_TEST(esp32::subtype_name(0, 16) == "ota_0");
  BOOST_TEST(esp32::subtype_name(0, 31) == "ota_15");
  BOOST_TEST(esp32::subtype_name(0, 32) == "test");
  BOOST_TEST(esp32::subtype_name(0, 33) == "33");
  BOOST_TEST(esp32::subtype_name(1, 0) == "ota");
  BOOST_TEST(esp32::subtype_name(1, 2) == "nvs");
  BOOST_TEST(esp32::subtype_name(1, 129) == "fat");
  BOOST_TEST(esp32::subtype_name(1, 131) == "littlefs");
  BOOST_TEST(esp32::subtype_name(1, 16) == "16");
  BOOST_TEST(esp32::ota_state_name(0) == "new");
  BOOST_TEST(esp32::ota_state_name(1) == "pending_verify");
  BOOST_TEST(esp32::ota_state_name(2) == "valid");
  BOOST_TEST(esp32::ota_state_name(3) == "invalid");
  BOOST_TEST(esp32::ota_state_name(4) == "aborted");
  BOOST_TEST(esp32::ota_state_name(0xFFFFFFFF) == "undefined");
  BOOST_TEST(esp32::ota_state_name(9) == "9");
}

BOOST_AUTO_TEST_CASE(table_from_the_board) {
  FakeLink board;
  board.on_exec = [](const std::string& code) {
    if (code == "print(_mt_ptab())") return FakeReply{ptab_answer(), ""};
    return FakeReply{};  // import esp32, the helper
  };
  mpytool::Mpy mpy(board);
  mpy.comm().guard().set_enabled(false);  // the scripted board answers the code itself
  const esp32::PartitionTable t = esp32::partitions(mpy);
  BOOST_TEST(board.executed.front() == "import esp32");
  BOOST_TEST(board.executed.back() == "print(_mt_ptab())");
  BOOST_TEST(t.running == "ota_0");
  BOOST_TEST(t.boot == "ota_1");
  BOOST_TEST(t.next == "ota_1");
  // Sorted by offset.
  std::string labels;
  for (const auto& p : t.partitions) labels += p.label + " ";
  BOOST_TEST(labels == "nvs otadata ota_0 ota_1 vfs ffat ");

  const esp32::Partition* ota0 = t.find("ota_0");
  BOOST_TEST_REQUIRE(ota0 != nullptr);
  BOOST_TEST(ota0->type == 0);
  BOOST_TEST(ota0->subtype == 16);
  BOOST_TEST(ota0->offset == 0x10000u);
  BOOST_TEST(ota0->size == 0x180000u);
  BOOST_TEST(ota0->running);
  BOOST_TEST(!t.find("ota_1")->running);
  BOOST_TEST(!ota0->fs.has_value());
  BOOST_TEST(t.find("nope") == nullptr);

  const esp32::Partition* vfs = t.find("vfs");
  BOOST_TEST_REQUIRE(vfs->fs.has_value());
  BOOST_TEST(vfs->fs->type == "littlefs2");
  BOOST_TEST(!vfs->encrypted);
  const esp32::Partition* ffat = t.find("ffat");
  BOOST_TEST_REQUIRE(ffat->fs.has_value());
  BOOST_TEST(ffat->fs->type == "fat16");
  BOOST_TEST(ffat->fs->cluster == 2048u);
  BOOST_TEST(ffat->encrypted);
  BOOST_TEST(!t.find("nvs")->fs.has_value());

  // The block device of a partition: found by type and label, 4 KB blocks.
  const mpytool::BlockDevice d = esp32::device_of(*vfs);
  BOOST_TEST(d.expr ==
             "[p for p in __import__('esp32').Partition.find(1) if p.info()[4]=='vfs'][0]");
  BOOST_TEST(d.block_size == 4096u);
  BOOST_TEST(d.size == 851968u);

  // The profile's layout matches this table.
  BOOST_TEST(esp32::layout_differences(t, profile_layout()).empty());
  BOOST_CHECK_NO_THROW(esp32::check_layout(t, profile_layout(), false));
}

BOOST_AUTO_TEST_CASE(not_an_esp32) {
  FakeLink board;  // "import esp32" fails (NameError from the scripted board)
  mpytool::Mpy mpy(board);
  mpy.comm().guard().set_enabled(false);
  BOOST_CHECK_EXCEPTION(esp32::partitions(mpy), mpytool::MpyError, [](const mpytool::MpyError& e) {
    return std::string(e.what()) == "Partition info not available (ESP32 only)";
  });
}

BOOST_AUTO_TEST_CASE(layout_guard_names_the_differences) {
  esp32::PartitionTable t;
  for (const ProfilePartition& p :
       std::vector<ProfilePartition>{{"nvs", 1, 2, 0x9000, 0x4000},
                                     {"ota_0", 0, 16, 0x10000, 0x180000},
                                     {"ota_1", 0, 16, 0x190000, 0x100000},
                                     {"extra", 1, 130, 0x290000, 0x1000}}) {
    esp32::Partition q;
    q.label = p.label;
    q.type = p.type;
    q.subtype = p.subtype;
    q.offset = p.offset;
    q.size = p.size;
    t.partitions.push_back(q);
  }
  std::vector<ProfilePartition> want = {{"nvs", 1, 2, 0x9000, 0x4000},
                                        {"ota_0", 0, 16, 0x10000, 0x180000},
                                        {"ota_1", 0, 17, 0x200000, 0x180000},
                                        {"vfs", 1, 131, 0x310000, 0xD0000}};
  const std::vector<std::string> diff = esp32::layout_differences(t, want);
  const std::vector<std::string> expected = {
      "ota_1: app ota_0, the profile says app ota_1",
      "ota_1: offset 0x190000, the profile says 0x200000",
      "ota_1: size 0x100000, the profile says 0x180000",
      "vfs: missing on the board",
      "extra: not in the profile's layout",
  };
  BOOST_TEST(diff == expected, boost::test_tools::per_element());

  BOOST_CHECK_EXCEPTION(
      esp32::check_layout(t, want, false), mpytool::MpyError, [](const mpytool::MpyError& e) {
        return std::string(e.what()) ==
                   "the board's partition table differs from the profile's "
                   "layout: ota_1: app ota_0, the profile says app ota_1" &&
               e.hint() == "4 more differences; use --force if this board is right";
      });
  BOOST_CHECK_NO_THROW(esp32::check_layout(t, want, true));  // --force
  BOOST_CHECK_NO_THROW(esp32::check_layout(t, {}, false));   // no layout in the profile
  // One difference: the hint only points at --force.
  want.pop_back();
  t.partitions.pop_back();
  t.partitions[2].subtype = 17;
  t.partitions[2].offset = 0x200000;
  BOOST_CHECK_EXCEPTION(
      esp32::check_layout(t, want, false), mpytool::MpyError,
      [](const mpytool::MpyError& e) { return e.hint() == "use --force if this board is right"; });
}

BOOST_AUTO_TEST_SUITE_END()
