// SPDX-License-Identifier: MIT
// close-unread: waits until data has arrived, then closes without reading it. Closing
// with unread received data aborts the connection: the other end sees a reset, not a
// FIN (RFC 2525 §2.17).
#include "peer.hpp"
#include "roles/roles.hpp"

namespace closesem::peer {

void start_close_unread(Peer& peer) {
  peer.wait_readable([&peer] {
    peer.close();
    peer.finish();
  });
}

}  // namespace closesem::peer
