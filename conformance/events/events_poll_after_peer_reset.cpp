// SPDX-License-Identifier: MIT
// poll / WSAPoll after the peer's abortive close (linger {1,0}: a reset).
// Linux: in, out, hup, rdhup and err: tcp_reset (net/ipv4/tcp_input.c) sets sk_err and
// tcp_done shuts both directions and closes the socket, so tcp_poll reports EPOLLERR,
// EPOLLHUP and everything RCV_SHUTDOWN gives (contract §4 #28). Winsock: Wine's
// test_tcp_reset asserts POLLERR|POLLHUP|POLLWRNORM for Windows, no read flag (contract
// §2.1, §4 #28). Documented (by Wine's Windows results), not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;
namespace events = closesem::events;

TEST_CASE("events: poll after the peer's reset reports hup and err",
          "[events][N2]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  REQUIRE_THAT(observe("set linger {1,0} on first", platform::set_linger(pair.first.get(), platform::Linger{true, 0})),
               succeeds());
  CHECK_THAT(observe("close(first) with linger {1,0}", pair.first.close()), succeeds());
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  events::EventSet seen;
  REQUIRE_THAT(observe("poll(second) after the peer's reset",
                       platform::poll_events(pair.second.get(), positive_timeout(), seen)),
               succeeds_with(1));
  check_event_bits("poll(second) after the peer's reset", seen,
                   by_api<std::uint32_t>(events::out | events::hup | events::err,
                                         events::in | events::out | events::hup | events::rdhup | events::err));
}
