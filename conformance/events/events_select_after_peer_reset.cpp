// SPDX-License-Identifier: MIT
// select after the peer's reset: the socket is in the read set and the write set, not in
// the except set. Linux: select's except set is POLLPRI (out-of-band data) only
// (fs/select.c POLLEX_SET), and the reset gives EPOLLIN and EPOLLOUT (tcp_poll,
// net/ipv4/tcp.c; select.2: readable when a read would not block). Winsock: Wine's
// test_tcp_reset asserts for Windows that select reports the reset socket readable and
// writable, not in the except set (contract §2.1; Microsoft's select page: readfds
// "connection has been closed/reset/terminated"). Documented, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;
namespace events = closesem::events;

TEST_CASE("events: select after the peer's reset reports readable and writable, no exception", "[events][N9]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  REQUIRE_THAT(observe("set linger {1,0} on first", platform::set_linger(pair.first.get(), platform::Linger{true, 0})),
               succeeds());
  CHECK_THAT(observe("close(first) with linger {1,0}", pair.first.close()), succeeds());
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  events::EventSet seen;
  REQUIRE_THAT(observe("select(second) after the peer's reset",
                       platform::select_events(pair.second.get(), positive_timeout(), seen)),
               succeeds());
  check_event_bits("select(second) after the peer's reset", seen, events::in | events::out,
                   events::in | events::out | events::err);
}
