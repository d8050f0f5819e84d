// SPDX-License-Identifier: MIT
// An end that holds unread data when its peer resets the connection. Linux hands it
// the buffered bytes first and reports the reset after them (gVisor
// RSTSentOnCloseWithUnreadDataAllowsReadBuffered; AF_UNIX the same, measured).
// Windows is reported to drop the buffered data once the reset is processed, so recv
// fails with WSAECONNRESET straight away (catalogue #6 [rep]: curl#657,
// objeck-lang#669; R2) and keeps failing (contract §2.4 #7). The reset here is the one
// a close with unread data sends (catalogue #5). Catalogue #6.
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("reset: a peer holding unread data reads it before the reset on POSIX, while Winsock drops it",
          "[reset][R2]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  // Each end holds data from the other that it has not read.
  REQUIRE_THAT(observe("send(first, 7)", send_pattern(pair.first.get(), 7)), succeeds_with(7));
  REQUIRE_THAT(observe("send(second, 5)", send_pattern(pair.second.get(), 5)), succeeds_with(5));
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  // first's unread data makes its close a reset.
  CHECK_THAT(observe("close(first) with unread data", pair.first.close()), succeeds());

  // Only a reset (or the data) can wake this now; both are already there on loopback,
  // but wait for the hang-up so the reset is not raced.
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::hangup), succeeds_with(1));
  // (POSIX: the buffered bytes are first's pattern, checked byte by byte.)
  CHECK_THAT(observe("recv(second) holding 7 unread bytes after the reset", recv_checked(pair.second.get(), 16)),
             by_api(fails_with(Errc::connection_reset), succeeds_with(7)));
  CHECK_THAT(observe("recv(second) after the buffered bytes", recv_checked(pair.second.get(), 16, 7)),
             fails_with(Errc::connection_reset));
}
