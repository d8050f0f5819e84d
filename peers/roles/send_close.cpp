// SPDX-License-Identifier: MIT
// send-close: sends --bytes N pattern bytes, then closes gracefully (no linger option):
// the other end reads all N bytes, then end of stream.
#include "peer.hpp"
#include "roles/roles.hpp"

namespace closesem::peer {

void start_send_close(Peer& peer) {
  peer.send_pattern(peer.options().bytes);
  peer.when_sent([&peer] {
    peer.close();
    peer.finish();
  });
}

}  // namespace closesem::peer
