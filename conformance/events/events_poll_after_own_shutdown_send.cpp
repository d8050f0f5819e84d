// SPDX-License-Identifier: MIT
// poll / WSAPoll on a socket after its own shutdown(send), the peer silent: out only.
// Linux: tcp_poll (net/ipv4/tcp.c) reports EPOLLOUT once SEND_SHUTDOWN is set (a send
// would not block: it fails with EPIPE), and no hup or rdhup while the receive side is
// open (poll.2; contract §4 #27). Winsock: Wine's test_WSAPoll asserts POLLWRNORM alone
// for Windows on the end that called shutdown(SD_SEND); Microsoft's WSAPoll page documents
// no event for a local shutdown. Not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;
namespace events = closesem::events;

TEST_CASE("events: poll after its own shutdown(send) reports out only", "[events][N3]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  CHECK_THAT(observe("shutdown(second, send)", platform::shutdown(pair.second.get(), platform::ShutdownHow::send)),
             succeeds());
  // The FIN reached the peer (and its acknowledgement came back) before the poll.
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  events::EventSet seen;
  REQUIRE_THAT(observe("poll(second) after shutdown(second, send)",
                       platform::poll_events(pair.second.get(), positive_timeout(), seen)),
               succeeds_with(1));
  check_event_bits("poll(second) after shutdown(second, send)", seen, events::out);
}
