// SPDX-License-Identifier: MIT
// poll / WSAPoll on a socket after its own shutdown(both), the peer silent.
// Linux: in, out, hup and rdhup: with both directions shut, tcp_poll (net/ipv4/tcp.c)
// reports EPOLLHUP ("sk_shutdown == SHUTDOWN_MASK"), and RCV_SHUTDOWN gives EPOLLIN|
// EPOLLRDHUP (poll.2; contract §4 #27 "local SHUT_RDWR: plus HUP"). Winsock: Microsoft's
// WSAPoll page documents no event for a local shutdown; Wine's test_WSAPoll asserts for
// Windows that neither shutdown(SD_RECEIVE) nor shutdown(SD_SEND) adds anything to
// POLLWRNORM on the end that called it, which is asserted here for SD_BOTH. Not measured
// on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;
namespace events = closesem::events;

TEST_CASE("events: poll after its own shutdown(both) reports hup on Linux, out only on Winsock", "[events][N4]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  CHECK_THAT(observe("shutdown(second, both)", platform::shutdown(pair.second.get(), platform::ShutdownHow::both)),
             succeeds());
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  events::EventSet seen;
  REQUIRE_THAT(observe("poll(second) after shutdown(second, both)",
                       platform::poll_events(pair.second.get(), positive_timeout(), seen)),
               succeeds_with(1));
  check_event_bits("poll(second) after shutdown(second, both)", seen,
                   by_api<std::uint32_t>(events::out, events::in | events::out | events::hup | events::rdhup));
}
