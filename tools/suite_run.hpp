// SPDX-License-Identifier: MIT
// `closesem run` (after the front end has built what it needs): runs the conformance
// suites (the socket API, then asio on it) natively and, through the Windows build's
// wine-run, on Winsock under Wine, and keeps one behaviour report per platform in the
// reports folder.
#pragma once

#include <iosfwd>
#include <string>

namespace closesem::tool {

struct SuiteRunOptions {
  std::string native_build;  // a native build folder (its conformance/ binaries)
  std::string wine_build;    // the mingw build folder (wine-run, conformance/*.exe); "" = no Wine
  std::string reports;       // where the reports go
  std::string logs;          // where each suite's output goes (run-<label>.log)
};

// Each suite writes its report to a temporary name first; it becomes
// <reports>/<platform id><suffix>.json, except that a failed run (a failing check, a
// crash, a peer server out of reach) never replaces a report that is there already:
// its report goes beside it as <name>.failed.json. A run that passes removes a stale
// .failed.json. Returns 0 when every suite passed, 1 when any failed or wrote no report,
// 2 on bad options.
int suite_run(const SuiteRunOptions& options, std::ostream& out, std::ostream& err);

// "linux-6.1.0-18-amd64" -> "linux-6.1.0-18-amd64"; "wine-8.0 (Windows 10)" -> "wine-8.0_Windows_10_":
// the characters a file name may hold, runs of others as one "_", no "_" at the end.
std::string report_file_name(const std::string& platform_id);

}  // namespace closesem::tool
