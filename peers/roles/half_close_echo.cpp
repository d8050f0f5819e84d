// SPDX-License-Identifier: MIT
// half-close-echo: reads until the other end shuts down its sending side (FIN), then
// sends everything back over the still open direction, then closes.
#include "peer.hpp"
#include "roles/roles.hpp"

#include <memory>
#include <vector>

namespace closesem::peer {

void start_half_close_echo(Peer& peer) {
  auto received = std::make_shared<std::vector<std::uint8_t>>();
  const auto keep = [received](const std::uint8_t* data, std::size_t size) {
    received->insert(received->end(), data, data + size);
  };
  peer.read_all(keep, [&peer, received] {
    // After a reset there is no direction left to answer on.
    if (peer.end() == End::fin) peer.send_bytes(std::move(*received));
    peer.when_sent([&peer] {
      peer.close();
      peer.finish();
    });
  });
}

}  // namespace closesem::peer
