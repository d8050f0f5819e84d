// SPDX-License-Identifier: MIT
// A finding becomes a regression input (`closesem promote`, and the nightly job for every
// finding it keeps): run the input once to learn its signature, minimise it while that
// signature stays, run it once more to confirm, write OUT/ID.bin with ID.ops beside it
// (asio-text targets: ID.asio, the program text).
#pragma once

#include "fuzzing/manifest.hpp"

#include <ostream>
#include <string>

namespace closesem::tool {

struct PromoteOptions {
  std::string target;          // fuzz target name (must be in the manifest)
  std::string crash;           // the input that failed (a crash file, or a .ops script)
  std::string id;              // regression name: letters, digits, '.', '_', '-'
  std::string fuzzers;         // folder of the target binaries (default: <build>/fuzz of this tool)
  std::string out_dir;         // default: corpora/<target>/regressions of the source tree
  int time_limit = 0;          // seconds of minimisation; 0 = no limit
  std::string log;             // keep the confirming run's output here ("" = not kept)
  std::string origin;          // the header's first line ("" = "Regression ID of T, promoted DATE from FILE.")
};

struct PromoteResult {
  int status = 2;              // 0 written, 1 does not fail (or not the same way once minimised), 2 bad arguments / failed write
  std::string signature;       // what it failed with ("" when clean)
  std::string what;            // the finding's line
  std::string minimised;       // "minimised from N to M bytes in R runs" (or "... to N steps ...")
  std::string reason;          // why it was not written (status 1 or 2)
  std::string written;         // path of ID.bin or ID.asio
};

// Messages ("promote: ...") go to `err`, as the shell version wrote them.
PromoteResult promote(const PromoteOptions&, std::ostream& err);
// The folder of the target binaries of the build this tool is in (<build>/fuzz).
std::string default_fuzzers_dir();

}  // namespace closesem::tool
