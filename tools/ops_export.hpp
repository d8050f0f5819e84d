// SPDX-License-Identifier: MIT
// `ops export --c`: an op script as one self-contained C program (no closesem code) that a
// Wine, kernel or Windows maintainer builds with cc or mingw and runs (tools/ops_export.cpp).
#pragma once

#include <iosfwd>
#include <string>

namespace closesem::tool {

struct OpsExportOptions {
  std::string input;    // the .ops script
  std::string output;   // the .c file ("" or "-": standard output)
  std::string profile;  // one model profile for the expectations; "": linux on POSIX, winsock on Windows
  bool skip_invalid = false;  // leave out ops the model calls script errors (fuzz inputs), as the targets do
};

// Exit status: 0 written, 2 a script error (FILE:LINE:COLUMN), an unknown profile, a failed write.
int ops_export(const OpsExportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace closesem::tool
