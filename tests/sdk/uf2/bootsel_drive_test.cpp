// SPDX-License-Identifier: MIT
// BOOTSEL drives: INFO_UF2.TXT, by-id entries (links to directories and to "block devices"),
// a fake mounts table, matching by serial number, presence.
#include "mpytool/uf2/bootsel_drive.hpp"

#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;
using namespace mpytool::uf2;

namespace {

constexpr const char* kInfo2040 =
    "UF2 Bootloader v3.0\r\nModel: Raspberry Pi RP2\r\nBoard-ID: RPI-RP2\r\n";
constexpr const char* kInfo2350 =
    "UF2 Bootloader v1.0\r\nModel: Raspberry Pi RP2350\r\nBoard-ID: RP2350\r\n";

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

// A temporary tree: by-id/, a mounts file and drive directories.
struct Tree {
  fs::path root;
  Tree() {
    std::string tmpl = (fs::temp_directory_path() / "mpytool-bootsel-XXXXXX").string();
    root = ::mkdtemp(tmpl.data());
    fs::create_directories(root / "by-id");
    write_file(root / "mounts", "");
  }
  ~Tree() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  fs::path drive(const std::string& name, const char* info) {
    auto dir = root / name;
    fs::create_directories(dir);
    if (info) write_file(dir / "INFO_UF2.TXT", info);
    write_file(dir / "INDEX.HTM", "<html></html>");
    return fs::canonical(dir);
  }
  void link(const std::string& entry, const fs::path& target) {
    fs::create_symlink(target, root / "by-id" / entry);
  }
  void mounts(const std::string& text) { write_file(root / "mounts", text); }
  DriveSources sources() const { return {root / "by-id", root / "mounts", false}; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(bootsel_drive_test)

BOOST_AUTO_TEST_CASE(info_file) {
  Tree t;
  auto d = read_drive(t.drive("RPI-RP2", kInfo2040));
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->board_id == "RPI-RP2");
  BOOST_TEST(d->model == "Raspberry Pi RP2");
  BOOST_TEST(d->serial == "");
  BOOST_TEST(d->device == "");
  BOOST_TEST(!read_drive(t.drive("stick", nullptr)).has_value());
  BOOST_TEST(!read_drive(t.root / "nowhere").has_value());
}

BOOST_AUTO_TEST_CASE(entry_names) {
  BOOST_TEST(serial_of_entry("usb-RPI_RP2_E0C9125B0D9B-0:0").value_or("?") == "E0C9125B0D9B");
  BOOST_TEST(serial_of_entry("usb-RPI_RP2_E0C9125B0D9B-0:0-part1").value_or("?") == "E0C9125B0D9B");
  BOOST_TEST(serial_of_entry("usb-RPI_RP2350_A1B2C3D4E5F60708-0:0").value_or("?") ==
             "A1B2C3D4E5F60708");
  BOOST_TEST(serial_of_entry("usb-Adafruit_Feather_RP2040_DF60-0:0-part1").value_or("?") == "DF60");
  BOOST_TEST(!serial_of_entry("ata-WDC_WD10EZEX-00BN5A0_WD-WCC3F0000000").has_value());
  BOOST_TEST(!serial_of_entry("usb-RPI_RP2_E0C9125B0D9B").has_value());
  BOOST_TEST(is_rp2_entry("usb-RPI_RP2_E0C9125B0D9B-0:0"));
  BOOST_TEST(is_rp2_entry("usb-RPI_RP2350_A1B2-0:0-part1"));
  BOOST_TEST(!is_rp2_entry("usb-SanDisk_Cruzer_1234-0:0"));
}

BOOST_AUTO_TEST_CASE(udisks_answers) {
  BOOST_TEST(udisks_mount_point("Mounted /dev/sdb1 at /media/u/RPI-RP2\n").value_or("?") ==
             "/media/u/RPI-RP2");
  BOOST_TEST(udisks_mount_point("Mounted /dev/sdb1 at /media/u/RPI-RP2.\n").value_or("?") ==
             "/media/u/RPI-RP2");
  BOOST_TEST(udisks_mount_point("Mounted /dev/sdb1 at /media/u/My Drive\n").value_or("?") ==
             "/media/u/My Drive");
  BOOST_TEST(udisks_mount_point("Error mounting /dev/sdb1: GDBus.Error:org.freedesktop.UDisks2."
                                "Error.AlreadyMounted: Device /dev/sdb1 is already mounted at "
                                "`/media/u/RP2350'.\n")
                 .value_or("?") == "/media/u/RP2350");
  BOOST_TEST(!udisks_mount_point("Error mounting /dev/sdb: wrong fs type").has_value());
}

BOOST_AUTO_TEST_CASE(links_to_directories) {
  Tree t;
  const auto a = t.drive("a", kInfo2040);
  const auto b = t.drive("b", kInfo2350);
  const auto stick = t.drive("stick", nullptr);
  t.link("usb-RPI_RP2_E0C9125B0D9B-0:0", a);
  t.link("usb-RPI_RP2_E0C9125B0D9B-0:0-part1", a);
  t.link("usb-RPI_RP2350_0123456789ABCDEF-0:0", b);
  t.link("usb-SanDisk_Cruzer_4C53-0:0-part1", stick);
  t.link("ata-Disk_1234", a);
  t.link("usb-RPI_RP2_DEAD-0:0", t.root / "gone");  // dangling
  const auto drives = find_drives(t.sources());
  BOOST_REQUIRE(drives.size() == 2u);
  BOOST_TEST(drives[0].serial == "0123456789ABCDEF");
  BOOST_TEST(drives[0].dir == b);
  BOOST_TEST(drives[0].board_id == "RP2350");
  BOOST_TEST(drives[1].serial == "E0C9125B0D9B");
  BOOST_TEST(drives[1].dir == a);
  BOOST_TEST(drives[1].model == "Raspberry Pi RP2");
  BOOST_TEST(drives[1].device == "");

  BOOST_TEST(drive_for_serial(drives, "e0c9125b0d9b") == &drives[1]);
  BOOST_TEST(drive_for_serial(drives, "0123456789abcdef") == &drives[0]);
  BOOST_TEST(drive_for_serial(drives, "FFFF") == nullptr);
  BOOST_TEST(drive_for_serial(drives, "") == nullptr);
  BOOST_TEST(describe_drive(drives[1]) == "the drive RPI-RP2 (serial E0C9125B0D9B)");
}

BOOST_AUTO_TEST_CASE(links_to_devices_and_the_mounts_table) {
  Tree t;
  // Stand-ins for /dev/sdz and /dev/sdz1 (any non-directory is taken as a device).
  write_file(t.root / "sdz", "");
  write_file(t.root / "sdz1", "");
  write_file(t.root / "sdy", "");
  const auto dev = fs::canonical(t.root / "sdz1");
  const auto mnt = t.drive("media RPI-RP2", kInfo2040);
  const auto other = t.drive("other", kInfo2350);
  const auto stick = t.drive("stick", nullptr);
  t.link("usb-RPI_RP2_E0C9125B0D9B-0:0", t.root / "sdz");
  t.link("usb-RPI_RP2_E0C9125B0D9B-0:0-part1", t.root / "sdz1");
  t.link("usb-RPI_RP2_AAAA-0:0", t.root / "sdy");  // not mounted, udisks off: skipped
  // The mount point has a space: \040 in the table. The drive is also a vfat mount (found
  // once); "other" is a vfat mount with no by-id entry; "stick" has no INFO_UF2.TXT.
  auto escaped = mnt.string();
  escaped.replace(escaped.find(' '), 1, "\\040");
  t.mounts("proc /proc proc rw 0 0\n" + dev.string() + " " + escaped +
           " vfat rw,nosuid,nodev 0 0\n/dev/nonexistent9 " + other.string() +
           " vfat rw 0 0\n/dev/nonexistent8 " + stick.string() + " vfat rw 0 0\n");
  const auto drives = find_drives(t.sources());
  BOOST_REQUIRE(drives.size() == 2u);
  BOOST_TEST(drives[0].serial == "E0C9125B0D9B");
  BOOST_TEST(drives[0].dir == mnt);
  BOOST_TEST(drives[0].device == dev.string());
  BOOST_TEST(drives[1].serial == "");
  BOOST_TEST(drives[1].dir == other);
  BOOST_TEST(drives[1].device == "");  // the table's device does not exist here
  BOOST_TEST(describe_drive(drives[1]) == "the drive RP2350 at " + other.string());

  // The whole disk mounted (no partition table): found through the whole-disk entry.
  Tree u;
  write_file(u.root / "sdx", "");
  const auto whole = u.drive("RP2350", kInfo2350);
  u.link("usb-RPI_RP2350_0123456789ABCDEF-0:0", u.root / "sdx");
  u.mounts(fs::canonical(u.root / "sdx").string() + " " + whole.string() + " vfat rw 0 0\n");
  const auto one = find_drives(u.sources());
  BOOST_REQUIRE(one.size() == 1u);
  BOOST_TEST(one[0].serial == "0123456789ABCDEF");
  BOOST_TEST(one[0].device == fs::canonical(u.root / "sdx").string());
}

BOOST_AUTO_TEST_CASE(unmounted_rp2_drives_are_mounted_with_udisksctl) {
  // A stand-in udisksctl on PATH: logs its arguments and answers as udisksctl does.
  Tree t;
  write_file(t.root / "sdz1", "");
  write_file(t.root / "sdw1", "");
  const auto mnt = t.drive("media", kInfo2040);
  fs::create_directories(t.root / "bin");
  const auto log = t.root / "udisks.log";
  write_file(t.root / "bin" / "udisksctl", "#!/bin/sh\necho \"$@\" >> '" + log.string() +
                                               "'\necho \"Mounted $3 at " + mnt.string() + ".\"\n");
  fs::permissions(t.root / "bin" / "udisksctl", fs::perms::owner_all);
  t.link("usb-RPI_RP2_E0C9125B0D9B-0:0-part1", t.root / "sdz1");
  t.link("usb-SanDisk_Cruzer_4C53-0:0-part1", t.root / "sdw1");  // never mounted by us
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  ::setenv("PATH", (t.root / "bin").c_str(), 1);
  auto src = t.sources();
  src.use_udisks = true;
  const auto drives = find_drives(src);
  ::setenv("PATH", saved.c_str(), 1);
  BOOST_REQUIRE(drives.size() == 1u);
  BOOST_TEST(drives[0].serial == "E0C9125B0D9B");
  BOOST_TEST(drives[0].dir == mnt);
  BOOST_TEST(drives[0].device == fs::canonical(t.root / "sdz1").string());
  std::ifstream in(log);
  std::string calls((std::istreambuf_iterator<char>(in)), {});
  BOOST_TEST(calls ==
             "mount -b " + fs::canonical(t.root / "sdz1").string() + " --no-user-interaction\n");
}

BOOST_AUTO_TEST_CASE(nothing_to_find) {
  DriveSources none{"/nonexistent/by-id", "/nonexistent/mounts", false};
  BOOST_TEST(find_drives(none).empty());
  BOOST_TEST(find_drives(DriveSources{"", "", false}).empty());
}

BOOST_AUTO_TEST_CASE(presence) {
  Tree t;
  write_file(t.root / "sdz1", "");
  auto d = *read_drive(t.drive("RPI-RP2", kInfo2040));
  BOOST_TEST(drive_present(d));
  d.device = (t.root / "sdz1").string();
  BOOST_TEST(drive_present(d));
  fs::remove(t.root / "sdz1");
  BOOST_TEST(!drive_present(d));
  d.device.clear();
  BOOST_TEST(drive_present(d));
  BOOST_TEST(!wait_drive_gone(d, std::chrono::milliseconds(150)));
  fs::remove(d.dir / "INFO_UF2.TXT");
  BOOST_TEST(!drive_present(d));
  BOOST_TEST(wait_drive_gone(d, std::chrono::milliseconds(0)));
}

BOOST_AUTO_TEST_CASE(the_environment_names_the_by_id_directory) {
  const char* old = std::getenv("MPYTOOL_DISK_BY_ID");
  const std::string saved = old ? old : "";
  ::setenv("MPYTOOL_DISK_BY_ID", "/tmp/somewhere", 1);
  BOOST_TEST(DriveSources::from_environment().by_id == "/tmp/somewhere");
  ::unsetenv("MPYTOOL_DISK_BY_ID");
  const auto s = DriveSources::from_environment();
  BOOST_TEST(s.by_id == "/dev/disk/by-id");
  BOOST_TEST(s.mounts == "/proc/self/mounts");
  BOOST_TEST(s.use_udisks);
  if (old) ::setenv("MPYTOOL_DISK_BY_ID", saved.c_str(), 1);
}

BOOST_AUTO_TEST_SUITE_END()
