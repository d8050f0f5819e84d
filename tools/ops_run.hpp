// SPDX-License-Identifier: MIT
// `closesem_tool ops run`: runs .ops scripts on this platform's sockets, with the
// model's prediction for a profile, and prints every op with both outcomes.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace closesem::tool {

struct OpsRunOptions {
  std::vector<std::string> files;
  std::string profile;      // empty: the profile for this platform
  std::string replay_dir;   // where to write <name>.replay.ops (the run as observed)
};

// Exit status: 0 every prediction and expectation held, 1 something diverged or an
// expectation failed, 2 a script error (located) or bad input.
int ops_run(const OpsRunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace closesem::tool
