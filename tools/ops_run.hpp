// SPDX-License-Identifier: MIT
// `closesem_tool ops run`: runs .ops scripts on this platform's sockets, with the
// model's prediction for a profile, and prints every op with both outcomes.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace closesem::ops {
struct Program;
}

namespace closesem::tool {

struct OpsRunOptions {
  std::vector<std::string> files;  // scripts, and folders standing for their *.ops files
  std::string profile;             // empty: the profile for this platform
  std::string replay_dir;          // where to write <name>.replay.ops (the run as observed)
  // The longest a script may make one op block: a wait with its time given, or a close
  // after a linger time. Scripts above it are refused before anything runs.
  int max_block_seconds = 30;
  // Leave out an op that is a script error (an endpoint never made, a socket op on a
  // closed one), as the fuzz targets do, instead of stopping the script (a fuzz finding's
  // decoded program keeps the ops its target left out).
  bool skip_invalid = false;
};

// Every script is run (or refused) and reported in turn. Exit status, the worst of all
// scripts: 0 every prediction and expectation held, 1 something diverged or an
// expectation failed, 2 a script error (located), bad input or a failed write.
int ops_run(const OpsRunOptions& options, std::ostream& out, std::ostream& err);

// Whether every op of `program` blocks for at most `max_block_seconds`; each op that may
// block longer is a message on `err` as FILE:LINE:COLUMN.
bool within_block_bound(const ops::Program& program, const std::string& file, int max_block_seconds,
                        std::ostream& err);

}  // namespace closesem::tool
