// SPDX-License-Identifier: MIT
// shutdown(send) on an end that still holds unread received data closes its direction
// gracefully: the peer reads the data sent before, then end of stream, never a reset
// (unlike a close with unread data, catalogue #5). Winsock: SD_SEND sends a FIN "after
// all data is sent and acknowledged" (shutdown S5) and recv returns 0 on a graceful
// close (recv R1). Linux: FIN, not RST (gVisor FINSentOnShutdownWrWithUnreadData;
// measured, also on AF_UNIX). The unread data stays readable: SD_SEND affects only the
// sending direction (S5, S6). Catalogue #20.
#include "closesem_testing/fixtures.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;

namespace {

// second sends 5 bytes that first receives but does not read; first sends 5 bytes of
// its own and shuts down sending.
void shutdown_send_holding_unread_data(closesem::Pair& pair) {
  REQUIRE_THAT(observe("send(second, 5)", send_pattern(pair.second.get(), 5)), succeeds_with(5));
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  REQUIRE_THAT(observe("send(first, 5)", send_pattern(pair.first.get(), 5)), succeeds_with(5));
  REQUIRE_THAT(observe("shutdown(first, send) with 5 unread bytes",
                       platform::shutdown(pair.first.get(), platform::ShutdownHow::send)),
               succeeds());
}

}  // namespace

TEST_CASE("shutdown: shutdown(send) with unread received data lets the peer read the data, then end of stream",
          "[shutdown][S5][R1]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  shutdown_send_holding_unread_data(pair);

  bool pattern_ok = false;
  CHECK_THAT(observe("recv(second, 5) after shutdown(first, send) with unread data",
                     recv_pattern(pair.second.get(), 5, &pattern_ok)),
             succeeds_with(5));
  CHECK(pattern_ok);
  // A FIN, not an RST: end of stream, not connection reset.
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after the data, after shutdown(first, send) with unread data",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             reads_eof());
}

TEST_CASE("shutdown: shutdown(send) with unread received data leaves that data readable", "[shutdown][S5][S6]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  shutdown_send_holding_unread_data(pair);

  bool pattern_ok = false;
  CHECK_THAT(observe("recv(first, 5) after shutdown(first, send)", recv_pattern(pair.first.get(), 5, &pattern_ok)),
             succeeds_with(5));
  CHECK(pattern_ok);
}
