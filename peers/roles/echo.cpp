// SPDX-License-Identifier: MIT
// echo: sends back everything it receives, as it comes, until the stream ends; then
// closes gracefully.
#include "peer.hpp"
#include "roles/roles.hpp"

namespace closesem::peer {
namespace {

constexpr std::size_t kEchoChunk = 64 * 1024;

void echo_next(Peer& peer) {
  peer.read_some(
      kEchoChunk,
      [&peer](const std::uint8_t* data, std::size_t size) {
        peer.send_bytes({data, data + size});
        // Read on once the echo is out: a client that does not read slows us down
        // instead of filling our memory.
        peer.when_sent([&peer] { echo_next(peer); });
      },
      [&peer] {
        peer.when_sent([&peer] {
          peer.close();
          peer.finish();
        });
      });
}

}  // namespace

void start_echo(Peer& peer) { echo_next(peer); }

}  // namespace closesem::peer
