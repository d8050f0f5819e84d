// SPDX-License-Identifier: MIT
// slow-reader: reads at most --chunk bytes every --interval-ms until the stream ends, so
// the other end meets a full window and partial sends. The timer between reads is the
// role's behaviour, not a wait for the network.
#include "peer.hpp"
#include "roles/roles.hpp"

#include <chrono>

namespace closesem::peer {
namespace {

void read_slowly(Peer& peer) {
  peer.read_some(
      peer.options().chunk,
      [&peer](const std::uint8_t*, std::size_t) {
        peer.after(std::chrono::milliseconds(peer.options().interval_ms), [&peer] { read_slowly(peer); });
      },
      [&peer] { peer.finish(); });
}

}  // namespace

void start_slow_reader(Peer& peer) { read_slowly(peer); }

}  // namespace closesem::peer
