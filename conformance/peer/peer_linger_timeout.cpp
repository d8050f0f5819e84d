// SPDX-License-Identifier: MIT
// A blocking close with linger {1,1} while an independent peer process does not read:
// how long close blocks, and what the peer finds when it reads afterwards (catalogue
// #11). Winsock (closesocket linger table): the close blocks until the data is sent or
// the timeout expires, and on expiry the connection is reset, so the peer's reads end
// in WSAECONNRESET. Linux (socket(7)): close blocks for the timeout and returns 0; the
// connection lives on in the background and the peer reads everything, then FIN
// (contract §4 #10, measured).
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/peer.hpp"

#include <chrono>
#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("peer: a close with a 1 s linger against a peer that does not read blocks about 1 s, "
          "and then the peer sees a reset on Winsock, all data and end of stream on POSIX",
          "[peer][D1][R2][slow]") {
  CAPTURE(peer_origin());
  set_variant("we connect");
  auto connection = connect_to_peer("never-read", {}, false);
  const auto queued = fill_send_buffer(connection.socket.get());
  INFO(queued << " bytes queued when the send would block");
  REQUIRE_THAT(observe("set_linger({1,1})", platform::set_linger(connection.socket.get(), {true, 1})), succeeds());

  const auto started = std::chrono::steady_clock::now();
  CHECK_THAT(observe("close() with linger {1,1} while the peer does not read", connection.socket.close()),
             succeeds());
  const auto blocked = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  INFO("close() blocked for " << blocked.count() << " ms");
  // It lingered (the data could not go), and not much beyond the timeout.
  CHECK(blocked >= std::chrono::milliseconds(900));
  CHECK(blocked < std::chrono::milliseconds(1000) + positive_timeout());

  connection.peer.command("read");
  const auto report = connection.peer.result();
  INFO("the peer received " << report.bytes_received << " of " << queued << " bytes");
  CHECK(report.pattern_ok);
  CHECK_THAT(observe("the peer's recv after the linger timeout expired", report.end_outcome()),
             by_api(fails_with(Errc::connection_reset), reads_eof()));
  // Never more than was queued. POSIX delivers all of it; on Winsock the reset (checked
  // above) loses what was still in our send buffer: the peer gets less.
  CHECK(report.bytes_received <= queued);
  platform::CallResult every_byte;
  every_byte.ret = report.bytes_received == queued ? 1 : 0;
  CHECK_THAT(observe("the peer received every byte queued before the close (1) or not (0)", every_byte),
             succeeds_with(by_api(0, 1)));
}
