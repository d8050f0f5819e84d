// SPDX-License-Identifier: MIT
// poll / WSAPoll after the peer's graceful close (its FIN, nothing unread on either side).
// Linux: in, out and rdhup, no hup: tcp_poll (net/ipv4/tcp.c) reports EPOLLIN|EPOLLRDNORM|
// EPOLLRDHUP for RCV_SHUTDOWN and EPOLLHUP only when both directions are shut or the
// socket is closed (poll.2 POLLRDHUP "stream socket peer closed connection, or shut down
// writing half of connection"; contract §4 #27). Winsock: Wine's test_WSAPoll asserts
// POLLHUP|POLLWRNORM for Windows after the peer's closesocket (contract §2.1, §4 #27;
// Microsoft's WSAPoll page: POLLHUP "a stream-oriented connection was either disconnected
// or aborted"). Documented, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;
namespace events = closesem::events;

TEST_CASE("events: poll after the peer's graceful close reports in, out and rdhup on Linux, out and hup on Winsock",
          "[events][N1]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  CHECK_THAT(observe("close(first) with nothing unread", pair.first.close()), succeeds());
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  events::EventSet seen;
  REQUIRE_THAT(observe("poll(second) after the peer's close", platform::poll_events(pair.second.get(),
                                                                                     positive_timeout(), seen)),
               succeeds_with(1));
  check_event_bits("poll(second) after the peer's close", seen,
                   by_api<std::uint32_t>(events::out | events::hup, events::in | events::out | events::rdhup));
}
