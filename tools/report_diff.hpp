// SPDX-License-Identifier: MIT
// `closesem report diff A.json B.json`: where two platforms' behaviour reports differ.
#pragma once

#include <iosfwd>
#include <string>

namespace closesem::tool {

struct DiffOptions {
  std::string left;
  std::string right;
  std::string area;   // only tests whose name starts with "<area>:"; "" for all
  bool all = false;   // also print the operations that agree
};

// Prints the differences; returns 0 when none, 1 when some, 2 on bad input (with a
// message on `err`).
int report_diff(const DiffOptions& options, std::ostream& out, std::ostream& err);

}  // namespace closesem::tool
