// SPDX-License-Identifier: MIT
// `closesem report matrix REPORT...`: the behaviour of several platforms side by side,
// one row per operation a test asserted, one column per report; rows that differ first.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace closesem::tool {

struct MatrixOptions {
  std::vector<std::string> reports;
  std::string area;      // only tests of this area; "" for all
  std::string markdown;  // write the markdown table here ("" : standard output)
  std::string html;      // also write a self-contained HTML page here
};

// Returns 0, or 2 on bad input (with a message on `err`).
int report_matrix(const MatrixOptions& options, std::ostream& out, std::ostream& err);

}  // namespace closesem::tool
