// SPDX-License-Identifier: MIT
// `closesem asio run FILE.asio...`: runs asio programs (closesem/asio_program.hpp) with
// the asio runner and model (closesem/asio_runner.hpp), as fuzz_asio_close does, and
// gives a verdict per program: 0 every handler admissible, 1 a finding, 2 bad input or
// no loopback pair here.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace closesem::tool {

struct AsioRunOptions {
  std::vector<std::string> files;
  std::string profile;  // "" (this platform's), linux, windows, wine
};

// Runs every file (a bad one does not stop the others); the exit status is the worst.
int asio_run(const AsioRunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace closesem::tool
