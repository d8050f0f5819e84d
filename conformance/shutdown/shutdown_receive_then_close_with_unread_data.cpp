// SPDX-License-Identifier: MIT
// shutdown(receive) with unread data, then close: the peer sees a reset. Linux: the
// shutdown sends nothing, the close then finds unread data and sends an RST instead of
// a FIN (gVisor ShutdownRdUnreadDataShouldCauseNoPacketsUnlessClosed; kernel tcp.c
// __tcp_close; contract §4 #25); an AF_UNIX close with unread data marks the peer with
// ECONNRESET (measured). Winsock: queued data at SD_RECEIVE already resets the
// connection (shutdown S4), and a reset fails the peer's recv with WSAECONNRESET (recv
// R2). Either way the peer's recv fails with connection reset. Catalogue #25.
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: close after shutdown(receive) with unread data resets the connection",
          "[shutdown][S4][R2][D9]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  REQUIRE_THAT(observe("send(second, 5)", send_pattern(pair.second.get(), 5)), succeeds_with(5));
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  REQUIRE_THAT(observe("shutdown(first, receive) with 5 bytes queued",
                       platform::shutdown(pair.first.get(), platform::ShutdownHow::receive)),
               succeeds());
  CHECK_THAT(observe("close(first) after shutdown(first, receive) with unread data", pair.first.close()), succeeds());

  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after shutdown(first, receive) and close(first) with unread data",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             fails_with(Errc::connection_reset));
}
