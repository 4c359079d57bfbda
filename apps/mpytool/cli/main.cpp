// SPDX-License-Identifier: MIT
// mpytool: manage MicroPython boards. Everything lives in mpytool_cli; see cli.hpp.
#include <iostream>

#include "cli/cli.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(true);
  return mpytool::cli::run(argc, argv, std::cout, std::cerr);
}
