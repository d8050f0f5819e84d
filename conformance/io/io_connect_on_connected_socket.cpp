// SPDX-License-Identifier: MIT
// connect on a socket that is already connected fails with EISCONN / WSAEISCONN, and the
// connection is unaffected. connect.2: EISCONN "The socket is already connected"; POSIX
// connect(); Microsoft's connect page: WSAEISCONN "The socket is already connected
// (connection-oriented sockets only)". Linux: __inet_stream_connect (net/ipv4/af_inet.c)
// answers -EISCONN for SS_CONNECTED. The socket asked is the accepted end, which never
// called connect: on Linux the end whose non-blocking connect completed answers its next
// connect with 0 first (SS_CONNECTING becomes SS_CONNECTED: the "connected"
// confirmation) and only then EISCONN. Windows documented, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("io: connect on a connected socket fails with is-connected and leaves the connection alone",
          "[io][G1]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  // The accepted end: first in a reversed pair, second otherwise.
  auto& accepted = kind.reversed ? pair.first : pair.second;
  auto& other = kind.reversed ? pair.second : pair.first;
  platform::Endpoint peer;
  REQUIRE_THAT(observe("getpeername(accepted end)", platform::peer_endpoint(accepted.get(), peer)), succeeds());
  CHECK_THAT(observe("connect(accepted end) to its own peer", platform::connect(accepted.get(), peer)),
             fails_with(Errc::is_connected));
  CHECK_THAT(observe("send(accepted end, 1) after the failed connect", send_pattern(accepted.get(), 1)),
             succeeds_with(1));
  REQUIRE_THAT(wait_for("connecting end", other.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(connecting end, 1) after the accepted end's failed connect", recv_checked(other.get(), 1)),
             succeeds_with(1));
}
