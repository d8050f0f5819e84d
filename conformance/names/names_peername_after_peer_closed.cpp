// SPDX-License-Identifier: MIT
// getpeername still names the peer after the peer closed gracefully (its FIN arrived and
// was read as end of stream): this end is half-open, not closed. Linux: the socket is in
// CLOSE_WAIT, and inet_getname (net/ipv4/af_inet.c) refuses the peer's name only in
// TCP_CLOSE and SYN_SENT. Winsock: getpeername's page fails only an unconnected socket
// (WSAENOTCONN); a graceful close by the peer leaves this end able to send (graceful
// shutdown page). Windows documented, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("names: getpeername after the peer's graceful close still names the peer", "[names][G3]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  platform::Endpoint before;
  REQUIRE_THAT(observe("getpeername(second)", platform::peer_endpoint(pair.second.get(), before)), succeeds());
  CHECK_THAT(observe("close(first) with nothing unread", pair.first.close()), succeeds());
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(second) after the peer's close", recv_checked(pair.second.get(), 1)), reads_eof());
  platform::Endpoint after;
  CHECK_THAT(observe("getpeername(second) after the peer's close", platform::peer_endpoint(pair.second.get(), after)),
             succeeds());
  CHECK(after.describe() == before.describe());
}
