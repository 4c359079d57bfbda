// SPDX-License-Identifier: MIT
// The Python mpytool's "Mount with monitoring (select loop)" in C++: mount a host directory, start
// a program on the board that imports from it and keeps printing, and follow its output in a poll()
// loop on the link's descriptor. Every Conn::read() also serves the board's file requests, so the
// program reads the host's files while the loop runs.
// Usage: mpytool-mount-monitor PORT|HOST[:PORT] DIR MODULE     (prints until a line "done")
#include <poll.h>

#include <iostream>
#include <memory>
#include <mpytool/base/error.hpp>
#include <mpytool/board/mpy.hpp>
#include <mpytool/link/conn_serial.hpp>
#include <mpytool/link/conn_socket.hpp>
#include <mpytool/mount/mounts.hpp>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: mpytool-mount-monitor PORT|HOST[:PORT] DIR MODULE\n";
    return 2;
  }
  const std::string target = argv[1];
  try {
    std::unique_ptr<mpytool::Conn> conn;
    if (target.starts_with("/"))
      conn = std::make_unique<mpytool::ConnSerial>(target, 115200);
    else
      conn = std::make_unique<mpytool::ConnSocket>(target);
    mpytool::Mpy mpy(*conn);

    // Read-only mount at /remote; the board's CWD moves there.
    auto& mounts = mpytool::mount::Mounts::of(mpy);
    auto handle = mounts.mount(argv[2], "/remote");
    std::cout << "mounted " << argv[2] << " on " << handle.mount_point() << "\n";

    // Start the program without waiting for it (timeout 0), then watch its output.
    mpy.comm().exec(std::string("import ") + argv[3], 0);
    std::string seen;
    for (;;) {
      pollfd pfd{conn->fd(), POLLIN, 0};
      ::poll(&pfd, 1, 1000);
      const mpytool::Bytes chunk = conn->read(0);  // serves VFS requests, returns output
      std::cout << chunk << std::flush;
      seen += chunk;
      if (seen.find("done\r\n") != std::string::npos) break;
    }
    std::cout << "requests served: " << mounts.stats().requests << "\n";
    mpy.comm().stop_current_operation();
    mpy.close_session();  // unmounts: the board is as it was
    return 0;
  } catch (const mpytool::MpyError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
