// SPDX-License-Identifier: MIT
// reset-on-accept: closes with SO_LINGER {1, 0} as soon as the connection exists: the
// other end's first read (or send) meets a reset.
#include "peer.hpp"
#include "roles/roles.hpp"

namespace closesem::peer {

void start_reset_on_accept(Peer& peer) {
  peer.abort();
  peer.finish();
}

}  // namespace closesem::peer
