// SPDX-License-Identifier: MIT
// A close with unread data resets the connection (catalogue #5), but not once both FINs
// went: each side shut down sending and read the other's FIN, so the connection is over.
// Linux: __tcp_close (net/ipv4/tcp.c) sends the RST for unread data only after it checked
// the state: a socket already in TCP_CLOSE (both FINs went and were acknowledged) goes
// straight to adjudge_to_death. The peer sees no error: poll shows no POLLERR, recv reads
// end of stream. Winsock: RFC 9293 section 3.10.4 (CLOSE in TIME-WAIT or CLOSED: nothing to
// reset); not documented by Microsoft, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("reset: no reset once both FINs went, though the closing side left data unread", "[reset][R10]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  CHECK_THAT(observe("send(first, 100)", send_pattern(pair.first.get(), 100)), succeeds_with(100));
  CHECK_THAT(observe("shutdown(first, send)", platform::shutdown(pair.first.get(), platform::ShutdownHow::send)),
             succeeds());
  CHECK_THAT(observe("shutdown(second, send)", platform::shutdown(pair.second.get(), platform::ShutdownHow::send)),
             succeeds());
  // first reads second's FIN (end of stream): both FINs went.
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(first) after both shut down sending", platform::recv(pair.first.get(), buffer, sizeof buffer)),
             succeeds_with(0));
  CHECK_THAT(observe("close(second) with 100 bytes unread, after both FINs",
                     platform::close_handle(pair.second.release())),
             succeeds());
  // Were a reset coming, it would come at once (loopback); a bounded wait for it.
  closesem::events::EventSet seen;
  const auto polled = platform::poll_events(pair.first.get(), quiet_timeout(), seen);
  REQUIRE_THAT(observe("poll(first) after the peer's close", polled), succeeds());
  CHECK_THAT(observe("poll(first) after the peer's close reports err", bit_outcome(seen, closesem::events::err)),
             succeeds_with(0));
  CHECK_THAT(observe("recv(first) after the peer's close", platform::recv(pair.first.get(), buffer, sizeof buffer)),
             succeeds_with(0));
}
