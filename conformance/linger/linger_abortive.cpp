// SPDX-License-Identifier: MIT
// SO_LINGER {1,0} makes close abortive: it returns 0 at once, the connection is reset
// (no FIN), the peer's recv fails with connection reset and unsent data is lost.
// Sources: closesocket linger table row 2 (contract §1.2: "hard or abortive close...
// recv on the remote side will fail with WSAECONNRESET"), D1, R2; wine close_with_rst
// (wine:218, "on Windows as well as on Unix"); Linux kernel tcp.c __tcp_close and
// contract §4 #8. Catalogue #10.
// TCP only: AF_UNIX has no linger and no reset on close (the peer reads the rest).
#include "closesem_testing/fixtures.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("linger: close with linger {1,0} returns 0 at once and the peer's recv fails with connection reset",
          "[linger][D1][R2]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  REQUIRE_THAT(observe("setsockopt(first, SO_LINGER, {1,0})", platform::set_linger(pair.first.get(), {true, 0})),
               succeeds());
  const auto started = std::chrono::steady_clock::now();
  CHECK_THAT(observe("close(first) with linger {1,0}", pair.first.close()), succeeds());
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  INFO("close(first) with linger {1,0} took " << took.count() << " ms");
  CHECK(took < platform::scaled(std::chrono::milliseconds(1000)));

  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after close(first) with linger {1,0}",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             fails_with(Errc::connection_reset));
}

TEST_CASE("linger: close with linger {1,0} loses the data the peer has not received", "[linger][D1][R2]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  // The peer does not read: part of the data is still in first's send buffer.
  const auto queued = fill_send_buffer(pair.first.get());
  REQUIRE_THAT(observe("setsockopt(first, SO_LINGER, {1,0})", platform::set_linger(pair.first.get(), {true, 0})),
               succeeds());
  CHECK_THAT(observe("close(first) with linger {1,0} and unsent data", pair.first.close()), succeeds());

  // Linux hands the peer what already reached its receive buffer, then the reset
  // (contract §4 #8; gVisor RSTSentOnCloseWithUnreadDataAllowsReadBuffered); Windows may
  // drop that too (catalogue #6). Either way the stream ends in a reset, short of `queued`.
  const auto drained = drain("second", pair.second.get());
  WARN("second received " << drained.bytes << " of " << queued << " bytes before the stream ended: "
                          << drained.end.describe());
  CHECK_THAT(observe("recv(second) at the end of what arrived after close(first) with linger {1,0}", drained.end),
             fails_with(Errc::connection_reset));
  CHECK(drained.bytes < queued);
  CHECK(drained.pattern_ok);
}
