// SPDX-License-Identifier: MIT
// A production-line update in C++: read the ESP32 partition table, back up a data partition,
// write an app image over the air (write, verify on the board, set_boot, machine reset,
// reconnect, health check, confirm) and print the OTA status. libmpytool-flash-esp32 and
// libmpytool-ota over the core; the data streams through the core's transfer agent.
// Usage: mpytool-flash-update PORT|HOST[:PORT] IMAGE [BACKUP_LABEL]
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mpytool/base/error.hpp>
#include <mpytool/board/mpy.hpp>
#include <mpytool/flash_esp32/partitions.hpp>
#include <mpytool/link/conn_serial.hpp>
#include <mpytool/link/conn_socket.hpp>
#include <mpytool/ota/ota.hpp>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::cerr << "usage: mpytool-flash-update PORT|HOST[:PORT] IMAGE [BACKUP_LABEL]\n";
    return 2;
  }
  const std::string target = argv[1];
  try {
    std::ifstream in(argv[2], std::ios::binary);
    if (!in) throw mpytool::UsageError(std::string("cannot open '") + argv[2] + "'");
    const std::string image((std::istreambuf_iterator<char>(in)), {});

    std::unique_ptr<mpytool::Conn> conn;
    if (target.starts_with("/"))
      conn = std::make_unique<mpytool::ConnSerial>(target, 115200);
    else
      conn = std::make_unique<mpytool::ConnSocket>(target);
    mpytool::Mpy mpy(*conn);

    namespace fe = mpytool::flash_esp32;
    const fe::PartitionTable table = fe::partitions(mpy);
    for (const fe::Partition& p : table.partitions) {
      std::cout << "partition " << p.label << " " << p.size << (p.running ? " running" : "")
                << "\n";
    }
    if (argc == 4) {
      const std::string backup = fe::flash_read(mpy, argv[3]);
      std::cout << "backup " << argv[3] << ": " << backup.size() << " bytes\n";
    }

    mpytool::ota::UpdateOptions options;  // reset into the new app, check it, confirm it
    std::size_t last = 0;
    const auto progress = [&last](std::size_t done, std::size_t total) {
      if (done == total || done - last >= total / 4) {
        std::cout << "progress " << done << "/" << total << "\n";
        last = done;
      }
    };
    const mpytool::ota::UpdateResult r = mpytool::ota::update(mpy, image, options, progress);
    std::cout << "written " << r.write.target << ": " << r.write.write.blocks_written << " of "
              << r.write.write.blocks << " blocks sent (" << r.write.write.path << ")\n";
    std::cout << "confirmed: " << (r.confirmed ? "yes" : "no") << "\n";
    std::cout << mpytool::ota::format_status(mpytool::ota::status(mpy));
    mpy.close_session();
    return 0;
  } catch (const mpytool::MpyError& e) {
    std::cerr << "mpytool-flash-update: error: " << e.what() << "\n";
    return static_cast<int>(e.exit_code());  // RollbackError: 7
  }
}
