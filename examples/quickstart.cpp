// SPDX-License-Identifier: MIT
// The Python mpytool's Quick Start in C++: connect, identify the board, run code, read a value
// back, then the files layer (libmpytool-files): upload a file, list the directory, download it
// again. Usage: mpytool-quickstart /dev/ttyACM0      (serial)
//        mpytool-quickstart 192.168.4.1:23    (TCP)
#include <iostream>
#include <memory>
#include <mpytool/base/error.hpp>
#include <mpytool/board/mpy.hpp>
#include <mpytool/files/files.hpp>
#include <mpytool/link/conn_serial.hpp>
#include <mpytool/link/conn_socket.hpp>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: mpytool-quickstart PORT|HOST[:PORT]\n";
    return 2;
  }
  const std::string target = argv[1];
  try {
    // Layer 2: a serial port for paths, a TCP connection otherwise.
    std::unique_ptr<mpytool::Conn> conn;
    if (target.starts_with("/"))
      conn = std::make_unique<mpytool::ConnSerial>(target, 115200);
    else
      conn = std::make_unique<mpytool::ConnSocket>(target);

    // Layer 4 owns layer 3: Mpy(conn).comm() is the raw-REPL protocol.
    mpytool::Mpy mpy(*conn);
    const auto& p = mpy.platform();
    std::cout << "platform: " << p.platform << "\n";
    std::cout << "cwd: " << mpy.getcwd() << "\n";

    mpytool::Bytes out = mpy.comm().exec("print('hello from', 'the board')");
    std::cout << "exec: " << out;

    mpytool::PyValue v = mpy.comm().exec_eval("[1 + 1, 'two', {'three': 3.0}]");
    std::cout << "eval: " << v.repr() << "\n";

    auto mem = mpy.memory();
    std::cout << "memory: " << mem.alloc << " / " << mem.total << "\n";

    // Files: uploads land under a temporary name, are verified on the board, then renamed.
    mpytool::files::Files files(mpy);
    files.mkdir("/quickstart");
    const std::string text = "print('uploaded by the C++ API')\n";
    mpytool::files::FileResult put = files.put(text, "/quickstart/hello.py");
    std::cout << "put: " << put.size << " bytes, " << put.wire_bytes << " on the wire\n";
    for (const mpytool::files::Entry& e : files.ls("/quickstart")) {
      std::cout << "ls: " << e.name << (e.is_dir() ? "/" : " " + std::to_string(*e.size)) << "\n";
    }
    std::cout << "get: " << (files.get("/quickstart/hello.py") == text ? "same" : "DIFFERENT")
              << "\n";
    mpy.comm().exit_raw_repl();
    return 0;
  } catch (const mpytool::MpyError& e) {
    std::cerr << "mpytool-quickstart: error: " << e.what() << "\n";
    return static_cast<int>(e.exit_code());
  }
}
