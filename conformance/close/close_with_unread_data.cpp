// SPDX-License-Identifier: MIT
// Closing an end that still holds unread received data resets the connection instead
// of closing it gracefully: the peer's recv fails with connection reset. Linux sends an
// RST ("Unread data was tossed", kernel tcp.c __tcp_close; contract §4 #25; gVisor
// RSTSentOnCloseWithUnreadData, RFC 2525 §2.17), and an AF_UNIX close with unread data
// marks the peer with ECONNRESET (measured). Windows: not stated by Microsoft; RFC 2525
// and reports expect the same reset (R2 gives the error). Catalogue #5.
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("close: closing an end with unread received data resets the connection", "[close][D9][R2]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  REQUIRE_THAT(observe("send(second, 5)", send_pattern(pair.second.get(), 5)), succeeds_with(5));
  // The data has arrived at first, which does not read it.
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("close(first) with 5 unread bytes", pair.first.close()), succeeds());

  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after close(first) with unread data",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             fails_with(Errc::connection_reset));
}
