// SPDX-License-Identifier: MIT
// What a reset leaves for getpeername and poll (catalogue #7): the connection is
// gone, so getpeername fails with "not connected" (Linux: ENOTCONN, gVisor
// TCPAcceptAfterReset; Windows: WSAENOTCONN, getpeername page), and a bounded wait
// reports hang-up with an error (contract §4 #28: POLLHUP|POLLERR on both).
// TCP only: AF_UNIX has no reset.
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("reset: after a reset getpeername fails with not connected and a wait reports hang-up",
          "[reset][R2]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  REQUIRE_THAT(observe("setsockopt(first, SO_LINGER, {1,0})", platform::set_linger(pair.first.get(), {true, 0})),
               succeeds());
  REQUIRE_THAT(observe("close(first) with linger {1,0}", pair.first.close()), succeeds());

  platform::Events events;
  CHECK_THAT(wait_for("second", pair.second.get(), platform::WaitFor::hangup, positive_timeout(), &events),
             succeeds_with(1));
  INFO("events after the reset: " << events.describe());
  CHECK(events.hangup);
  platform::Endpoint peer;
  CHECK_THAT(observe("getpeername(second) after the reset", platform::peer_endpoint(pair.second.get(), peer)),
             fails_with(Errc::not_connected));
}
