// SPDX-License-Identifier: MIT
// mpytool: manage MicroPython boards. Everything lives in mpytool_cli; see cli.hpp.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(true);
  std::vector<std::string> args(argv + 1, argv + argc);
  // A --password value given on the command line is blanked in our own argv once copied, so
  // `ps` shows it at most for the instant before this line.
  for (int i = 1; i < argc; ++i) {
    char* word = argv[i];
    if (std::strcmp(word, "--") == 0) break;
    if (std::strcmp(word, "--password") == 0 && i + 1 < argc) {
      std::memset(argv[i + 1], '*', std::strlen(argv[i + 1]));
      ++i;
    } else if (std::strncmp(word, "--password=", 11) == 0) {
      std::memset(word + 11, '*', std::strlen(word + 11));
    }
  }
  return mpytool::cli::run(args, std::cout, std::cerr);
}
