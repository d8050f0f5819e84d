// SPDX-License-Identifier: MIT
// send-abort: hands the kernel up to --bytes N pattern bytes without waiting, then closes
// with SO_LINGER {1, 0}: the other end sees a reset, and unsent bytes are discarded.
#include "peer.hpp"
#include "roles/roles.hpp"

namespace closesem::peer {

void start_send_abort(Peer& peer) {
  peer.send_pattern_now(peer.options().bytes);
  peer.abort();
  peer.finish();
}

}  // namespace closesem::peer
