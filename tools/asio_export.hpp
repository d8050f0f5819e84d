// SPDX-License-Identifier: MIT
// `closesem asio export --cpp FILE.asio`: an asio program (closesem/asio_program.hpp) as
// one C++ file that needs only asio's headers (standalone asio, no closesem code, no
// Boost): it runs the program's steps as the asio runner does, prints each step and
// each handler's outcome with what the asio model admits for it, and exits 0 (all
// admissible), 1 (the first deviation, named) or 2 (this platform cannot run it).
#pragma once

#include "closesem/asio_program.hpp"

#include <iosfwd>
#include <string>

namespace closesem::tool {

struct AsioExportOptions {
  std::string input;    // the .asio file
  std::string output;   // "" for standard output
  bool cpp = false;     // --cpp (the one format so far)
  std::string profile;  // "" (the platform the file is built for), linux, windows, wine
  bool documented = false;  // the recorded deviations dropped from the admissible sets
};

// Reads and parses an .asio file: false with "FILE:LINE:COLUMN: message" on `err`
// (a program without a step is an error too).
bool load_asio_program(const std::string& path, std::string& text, asio_program::Program& program,
                       std::ostream& err);

// The reproducer's source for `program` (its text `text`, from `name`).
std::string asio_export_cpp(const std::string& name, const std::string& text, const asio_program::Program& program,
                            const std::string& profile, bool documented);

// The command: 0, or 2 with a message on `err` (bad input, a failed write).
int asio_export(const AsioExportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace closesem::tool
