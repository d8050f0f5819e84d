// SPDX-License-Identifier: MIT
// shutdown(receive) while received data is still queued. Winsock: later recv calls are
// disallowed and fail with WSAESHUTDOWN (recv R3), and "if there is still data queued
// on the socket waiting to be received ... the connection is reset" (shutdown S4), so
// the peer sees a reset (R2). Linux: no packet goes to the peer (gVisor
// ShutdownRdShouldCauseNoPacketsWithUnreadData), the queued data stays readable and
// then recv reads end of stream (ShutdownRdAllowsReadOfReceivedDataBeforeEOF); measured
// on TCP and AF_UNIX. Whether Windows really resets here is a gap in the evidence
// (contract §2.4 #4, §5.7): the Winsock values are the documented ones. Catalogue #23.
#include "closesem_testing/fixtures.hpp"

#include <chrono>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

namespace {

// second sends 5 bytes; first waits until they are queued and shuts down receiving.
void shutdown_receive_with_5_queued(closesem::Pair& pair) {
  REQUIRE_THAT(observe("send(second, 5)", send_pattern(pair.second.get(), 5)), succeeds_with(5));
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  REQUIRE_THAT(observe("shutdown(first, receive) with 5 bytes queued",
                       platform::shutdown(pair.first.get(), platform::ShutdownHow::receive)),
               succeeds());
}

}  // namespace

TEST_CASE("shutdown: recv after shutdown(receive) with queued data fails with shut_down on Winsock, "
          "reads the data then end of stream on POSIX",
          "[shutdown][S4][R3]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  shutdown_receive_with_5_queued(pair);

  // (POSIX: the bytes are second's pattern, checked byte by byte.)
  CHECK_THAT(observe("recv(first) after shutdown(first, receive) with 5 bytes queued",
                     recv_checked(pair.first.get(), 16)),
             by_api(fails_with(Errc::shut_down), succeeds_with(5)));
  CHECK_THAT(observe("recv(first) again after shutdown(first, receive) with 5 bytes queued",
                     recv_checked(pair.first.get(), 16, 5)),
             by_api(fails_with(Errc::shut_down), reads_eof()));
}

TEST_CASE("shutdown: shutdown(receive) with queued data resets the connection on Winsock, POSIX sends the peer nothing",
          "[shutdown][S4][R2]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  REQUIRE_THAT(observe("set non-blocking(second)", platform::set_nonblocking(pair.second.get(), true)), succeeds());
  shutdown_receive_with_5_queued(pair);

  // A loopback reset arrives within this short wait; on POSIX nothing arrives at all.
  const auto quiet = quiet_timeout();
  CHECK_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable, quiet),
             by_api(succeeds_with(1), succeeds_with(0)));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after shutdown(first, receive) with queued data",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             by_api(fails_with(Errc::connection_reset), fails_with(Errc::would_block)));
}
