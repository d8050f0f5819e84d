// SPDX-License-Identifier: MIT
// A shutdown(both) that failed on a TCP socket never connected (not connected, S2): what
// is left of it once the socket connects.
// Linux: inet_shutdown (net/ipv4/af_inet.c) sets sk_shutdown before it returns ENOTCONN
// for a socket in TCP_CLOSE, so after a later connect the socket is shut down both ways:
// send fails EPIPE, recv reads 0 at once; no FIN went (the peer reads nothing). Winsock:
// a call that fails has no effect (measured on Wine 8.0: send and recv work; not
// measured on Windows).
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: a shutdown that failed before the connection still applies after connect on Linux, not on "
          "Winsock",
          "[shutdown][S10]") {
  platform::Socket client;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, client)), succeeds());
  CHECK_THAT(observe("shutdown(unconnected, both)", platform::shutdown(client.get(), platform::ShutdownHow::both)),
             fails_with(Errc::not_connected));
  auto listener = open_listener(platform::Transport::tcp4, 8);
  REQUIRE_THAT(observe("connect(client) after the failed shutdown", connect_bounded(client.get(), listener.endpoint)),
               succeeds());
  REQUIRE_THAT(wait_for("listener", listener.socket.get(), platform::WaitFor::readable), succeeds_with(1));
  platform::Socket server;
  REQUIRE_THAT(observe("accept(listener)", platform::accept(listener.socket.get(), server)), succeeds());

  CHECK_THAT(observe("send(client, 1) after the failed shutdown", send_pattern(client.get(), 1)),
             by_api(succeeds_with(1), fails_with(Errc::broken_pipe)));
  // Readable at once only where the receive side is shut (Linux); a bounded wait.
  CHECK_THAT(wait_for("client", client.get(), platform::WaitFor::readable, quiet_timeout()),
             succeeds_with(by_api(0, 1)));
  // The server: the byte where the send went through (Winsock), nothing and no end of
  // stream where it failed (Linux: no FIN went).
  CHECK_THAT(wait_for("server", server.get(), platform::WaitFor::readable, by_api(positive_timeout(), quiet_timeout())),
             succeeds_with(by_api(1, 0)));
}
