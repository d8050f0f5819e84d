// SPDX-License-Identifier: MIT
// never-read: holds the connection and never reads, so the other end's sends fill the
// buffers and then block. Commands steer it (`read` starts draining); else it ends at
// --timeout.
#include "peer.hpp"
#include "roles/roles.hpp"

namespace closesem::peer {

void start_never_read(Peer& /*peer*/) {}

}  // namespace closesem::peer
