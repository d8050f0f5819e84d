// SPDX-License-Identifier: MIT
// When both ends have shut down both directions, each end reports hang-up. Winsock:
// WSAPoll reports POLLHUP once the connection is closed in both directions (Wine's
// test_WSAPoll, contract §2.1; SD_BOTH is SD_SEND plus SD_RECEIVE, shutdown S4/S5).
// Linux: POLLHUP once both directions are shut (contract §4 #27; gVisor PollAfterShutdown,
// TimeWaitPollHUP); measured on TCP and AF_UNIX. Catalogue #33.
#include "closesem_testing/fixtures.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: after both ends shutdown(both) each end reports hang-up", "[shutdown][S4][S5]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  REQUIRE_THAT(observe("shutdown(first, both)", platform::shutdown(pair.first.get(), platform::ShutdownHow::both)),
               succeeds());
  REQUIRE_THAT(observe("shutdown(second, both)", platform::shutdown(pair.second.get(), platform::ShutdownHow::both)),
               succeeds());

  platform::Events first_seen;
  CHECK_THAT(wait_for("first", pair.first.get(), platform::WaitFor::hangup, positive_timeout(), &first_seen),
             succeeds_with(1));
  CAPTURE(first_seen.describe());
  CHECK(first_seen.hangup);
  platform::Events second_seen;
  CHECK_THAT(wait_for("second", pair.second.get(), platform::WaitFor::hangup, positive_timeout(), &second_seen),
             succeeds_with(1));
  CAPTURE(second_seen.describe());
  CHECK(second_seen.hangup);
}
