// SPDX-License-Identifier: MIT
// Abortive closes seen from an independent peer process: a close with linger {1,0}
// (closesocket linger table: "hard or abortive close... unsent data is lost", the peer's
// recv fails with WSAECONNRESET, recv R2) and a close with unread received data
// (catalogue #5: RST instead of FIN, RFC 2525; Linux tcp_close).
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/peer.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("peer: a close with linger {1,0} gives the peer a reset and loses the queued data", "[peer][D1][R2]") {
  const bool we_listen = GENERATE(false, true);
  set_variant(we_listen ? "we accept" : "we connect");
  CAPTURE(peer_origin(), we_listen);
  // The peer does not read until told, so data stays queued at both ends.
  auto connection = connect_to_peer("never-read", {}, we_listen);
  const auto queued = fill_send_buffer(connection.socket.get());
  INFO(queued << " bytes queued when the send would block");
  REQUIRE_THAT(observe("set_linger({1,0})", platform::set_linger(connection.socket.get(), {true, 0})), succeeds());
  CHECK_THAT(observe("close() with linger {1,0} and data queued", connection.socket.close()), succeeds());

  connection.peer.command("read");
  const auto report = connection.peer.result();
  INFO("the peer received " << report.bytes_received << " of " << queued << " bytes");
  CHECK(report.bytes_received < queued);
  CHECK(report.pattern_ok);
  CHECK_THAT(observe("the peer's recv after our abortive close" + remote_peer_note(), report.end_outcome()),
             fails_with(Errc::connection_reset));
}

TEST_CASE("peer: a close with unread received data gives the peer a reset", "[peer][D9][R2]") {
  const bool we_listen = GENERATE(false, true);
  set_variant(we_listen ? "we accept" : "we connect");
  CAPTURE(peer_origin(), we_listen);
  // The peer sends first, then reads until the stream ends.
  auto connection = connect_to_peer("drain", {"--send-first", "100"}, we_listen);
  REQUIRE_THAT(wait_for("ours", connection.socket.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("close() with 100 unread bytes", connection.socket.close()), succeeds());

  const auto report = connection.peer.result();
  CHECK(report.bytes_sent == 100);
  CHECK(report.bytes_received == 0);
  CHECK_THAT(observe("the peer's recv after our close with unread data" + remote_peer_note(), report.end_outcome()),
             fails_with(Errc::connection_reset));
}
