// SPDX-License-Identifier: MIT
// --serve: the control server, for a peer on another machine (README.md, serve mode).
#pragma once

#include "lines.hpp"
#include "options.hpp"

namespace closesem::peer {

// Prints SERVING <port> on `out`, then runs sessions until options.timeout_s; ends the
// process (sessions still running end with it). Returns only when set-up failed, with
// the exit status.
int serve(const ServeOptions& options, LineOutput& out);

}  // namespace closesem::peer
