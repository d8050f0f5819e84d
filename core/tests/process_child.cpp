// SPDX-License-Identifier: MIT
// The child that process_test starts: reads commands from stdin, one per line.
//   echo TEXT   prints TEXT
//   partial     prints "no end of line" without a newline, then exits 0
//   exit N      exits with status N
//   hang        blocks forever (only a kill ends it)
// End of input: prints "bye" and exits 0.
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>
#include <string>

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("echo ", 0) == 0) {
      std::cout << line.substr(5) << std::endl;
    } else if (line == "partial") {
      std::cout << "no end of line" << std::flush;
      return 0;
    } else if (line.rfind("exit ", 0) == 0) {
      return std::atoi(line.c_str() + 5);
    } else if (line == "hang") {
      std::promise<void> never;
      never.get_future().wait();
    } else {
      std::cout << "unknown: " << line << std::endl;
    }
  }
  std::cout << "bye" << std::endl;
  return 0;
}
