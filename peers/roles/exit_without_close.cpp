// SPDX-License-Identifier: MIT
// exit-without-close: ends the process with the socket still open, so the OS closes it
// as the process goes. With --unread it first waits until data has arrived (unread), and
// the OS then closes a socket that holds unread data.
#include "peer.hpp"
#include "roles/roles.hpp"

namespace closesem::peer {

void start_exit_without_close(Peer& peer) {
  if (!peer.options().unread) {
    peer.exit_without_close();
    return;
  }
  peer.wait_readable([&peer] { peer.exit_without_close(); });
}

}  // namespace closesem::peer
