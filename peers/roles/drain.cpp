// SPDX-License-Identifier: MIT
// drain: reads everything until the stream ends (FIN, reset, or the timeout), then
// reports how it ended.
#include "peer.hpp"
#include "roles/roles.hpp"

namespace closesem::peer {

void start_drain(Peer& peer) {
  peer.drain([&peer] { peer.finish(); });
}

}  // namespace closesem::peer
