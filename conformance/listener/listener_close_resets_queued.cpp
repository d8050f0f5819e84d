// SPDX-License-Identifier: MIT
// Closing a listener with connections queued but not accepted resets them: each queued
// client's recv fails with connection_reset (catalogue #41a; gVisor
// TCPListenCloseConnectingRead, UnixStreamListenerCloseTest; packetimpact
// tcp_noaccept_close_rst). Winsock: the docs say nothing about the queue; a reset seen by
// recv is WSAECONNRESET (recv R2). Linux 6.x: ECONNRESET for TCP and AF_UNIX alike.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"

#include <array>
#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("listener: closing a listener resets the connections queued on it", "[listener][D1][R2]") {
  const auto transport =
      GENERATE(platform::Transport::tcp4, platform::Transport::tcp6, platform::Transport::unix_stream);
  CLOSESEM_TRANSPORT_OR_SKIP(transport, "");

  auto listener = open_listener(transport, 8);
  // Two clients whose connections complete in the listen queue; nobody accepts them.
  std::array<platform::Socket, 2> clients;
  for (auto& client : clients) {
    REQUIRE_THAT(observe("socket(client)", platform::open_stream(transport, client)), succeeds());
    REQUIRE_THAT(observe("connect(client) to the listener", connect_bounded(client.get(), listener.endpoint)),
                 succeeds());
  }

  CHECK_THAT(observe("close(listener) with two connections queued", listener.socket.close()), succeeds());

  for (auto& client : clients) {
    CHECK_THAT(wait_for("client", client.get(), platform::WaitFor::readable), succeeds_with(1));
    char byte = 0;
    CHECK_THAT(observe("recv(client) after close(listener)", platform::recv(client.get(), &byte, 1)),
               fails_with(Errc::connection_reset));
  }
}
