// SPDX-License-Identifier: MIT
// `closesem_tool nightly summary`: the nightly job's report. tools/nightly.sh gathers
// facts while it runs (one per line: "job KEY VALUE", "target T KEY VALUE",
// "finding T N KEY VALUE", "conformance LABEL KEY VALUE", fields separated by tabs);
// this turns them into stats.json and summary.md, and tells which findings are new.
#pragma once

#include <iosfwd>
#include <string>

namespace closesem::tool {

struct NightlySummaryOptions {
  std::string facts;    // the facts file
  std::string dir;      // the report folder: stats.json and summary.md are written here
  std::string history;  // the folder of earlier reports (<date>/stats.json): "" for none
  std::string corpora;  // corpora/, whose regressions name the signatures they were promoted for
};

// Writes DIR/stats.json and DIR/summary.md and prints the summary's headline. Returns 0
// (no new finding, conformance passed), 1 (a new finding or a conformance failure) or
// 2 (bad input, with its file and line on `err`).
int nightly_summary(const NightlySummaryOptions& options, std::ostream& out, std::ostream& err);

}  // namespace closesem::tool
