// SPDX-License-Identifier: MIT
// close on a socket whose connect is still pending (SYN_SENT behind a full listen
// queue; catalogue #42). close returns 0 at once whatever the linger setting (closesocket
// D1; Linux sends nothing, packetdrill close-on-syn-sent), and the connect is abandoned:
// once the listener's queue has room again, no connection from the closed socket
// arrives (its SYN is never retransmitted).
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("close: closing a socket whose connect is pending returns 0 and abandons the connect",
          "[close][D1]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::tcp6);
  const bool abortive = GENERATE(false, true);
  CLOSESEM_TRANSPORT_OR_SKIP(transport, abortive ? " linger {1,0}" : " default");
  PendingConnect pending;
  std::string why_not;
  if (!open_pending_connect(transport, pending, why_not)) CLOSESEM_SKIP(why_not);

  if (abortive)
    REQUIRE_THAT(observe("set_linger(connecting, {1,0})", platform::set_linger(pending.connecting.get(), {true, 0})),
                 succeeds());
  CHECK_THAT(observe("close(connecting) while its connect is pending", pending.connecting.close()), succeeds());

  // Make room in the queue: accept every connection that completed before.
  const auto listener = pending.listener.socket.get();
  for (std::size_t i = 0; i < pending.queued.size(); ++i) {
    REQUIRE_THAT(wait_for("listener", listener, platform::WaitFor::readable), succeeds_with(1));
    platform::Socket accepted;
    REQUIRE_THAT(observe("accept(listener) of a queued connection", platform::accept(listener, accepted)),
                 succeeds());
  }
  // A SYN retransmitted by the closed socket would now be accepted (the first
  // retransmission is due 1 s after the connect on Linux and Windows alike).
  CHECK_THAT(wait_for("listener", listener, platform::WaitFor::readable, platform::scaled(std::chrono::milliseconds(1500))),
             succeeds_with(0));
}
