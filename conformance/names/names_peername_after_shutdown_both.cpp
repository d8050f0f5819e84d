// SPDX-License-Identifier: MIT
// getpeername still names the peer after this end's shutdown(both): shutdown does not
// close the socket or end the connection's identity (contract S6). Linux: inet_getname
// (net/ipv4/af_inet.c) refuses the peer's name only in TCP_CLOSE and SYN_SENT, and
// shutdown leaves the socket in FIN_WAIT1/FIN_WAIT2. Winsock: getpeername's page fails
// only an unconnected socket (WSAENOTCONN), and after shutdown the socket is still
// connected until closesocket (shutdown page, S6). Windows documented, not measured on
// Windows.
#include "closesem_testing/fixtures.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("names: getpeername after shutdown(both) still names the peer", "[names][G2][S6]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  platform::Endpoint before;
  REQUIRE_THAT(observe("getpeername(second)", platform::peer_endpoint(pair.second.get(), before)), succeeds());
  CHECK_THAT(observe("shutdown(second, both)", platform::shutdown(pair.second.get(), platform::ShutdownHow::both)),
             succeeds());
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  platform::Endpoint after;
  CHECK_THAT(observe("getpeername(second) after shutdown(second, both)", platform::peer_endpoint(pair.second.get(), after)),
             succeeds());
  CHECK(after.describe() == before.describe());
}
