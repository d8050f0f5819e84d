// SPDX-License-Identifier: MIT
// A graceful close seen from an independent peer process (peers/, asio): every byte sent
// before the close arrives, then end of stream (closesocket D9 "graceful", L2 default
// linger; recv R1). 16 MiB each way, with the side under test as client and as server.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/peer.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

namespace {

constexpr std::size_t kBytes = std::size_t{16} << 20;

std::chrono::milliseconds transfer_timeout() { return watchdog_timeout(); }

}  // namespace

TEST_CASE("peer: a graceful close after 16 MiB gives the peer every byte, then end of stream",
          "[peer][D1][D9][R1]") {
  const bool we_listen = GENERATE(false, true);
  set_variant(we_listen ? "we accept" : "we connect");
  CAPTURE(peer_origin(), we_listen);
  auto connection = connect_to_peer(
      "drain", {"--expect-bytes", std::to_string(kBytes), "--expect-end", "fin", "--expect-pattern"}, we_listen);

  CHECK_THAT(observe("send(16 MiB) to the draining peer", send_pattern(connection.socket.get(), kBytes)),
             succeeds_with(static_cast<std::int64_t>(kBytes)));
  CHECK_THAT(observe("close() after 16 MiB", connection.socket.close()), succeeds());

  const auto report = connection.peer.result(transfer_timeout());
  CHECK(report.bytes_received == kBytes);
  CHECK(report.pattern_ok);
  CHECK_THAT(observe("the peer's recv at the end of the stream", report.end_outcome()), reads_eof());
  CHECK(report.ok);
}

TEST_CASE("peer: 16 MiB from a peer that closes gracefully arrive intact, then end of stream", "[peer][R1]") {
  const bool we_listen = GENERATE(false, true);
  set_variant(we_listen ? "we accept" : "we connect");
  CAPTURE(peer_origin(), we_listen);
  auto connection = connect_to_peer("send-close", {"--bytes", std::to_string(kBytes)}, we_listen);

  bool pattern_ok = false;
  CHECK_THAT(observe("recv() of the peer's 16 MiB",
                     recv_pattern(connection.socket.get(), kBytes, &pattern_ok, 0, transfer_timeout())),
             succeeds_with(static_cast<std::int64_t>(kBytes)));
  CHECK(pattern_ok);
  char byte = 0;
  CHECK_THAT(observe("recv() after the peer's data", platform::recv(connection.socket.get(), &byte, 1)), reads_eof());
  const auto report = connection.peer.result(transfer_timeout());
  CHECK(report.bytes_sent == kBytes);
  CHECK(report.send_error.empty());
}

TEST_CASE("peer: after shutdown(send) the peer reads end of stream and its answer still arrives",
          "[peer][S5][S9][R1]") {
  constexpr std::size_t kHalf = std::size_t{1} << 20;
  const bool we_listen = GENERATE(false, true);
  set_variant(we_listen ? "we accept" : "we connect");
  CAPTURE(peer_origin(), we_listen);
  // The peer reads to end of stream before it answers: only our FIN lets it answer.
  auto connection = connect_to_peer("half-close-echo", {"--expect-end", "fin"}, we_listen);
  const auto handle = connection.socket.get();

  CHECK_THAT(observe("send(1 MiB) to the half-close echo peer", send_pattern(handle, kHalf)),
             succeeds_with(static_cast<std::int64_t>(kHalf)));
  CHECK_THAT(observe("shutdown(send)", platform::shutdown(handle, platform::ShutdownHow::send)), succeeds());
  bool pattern_ok = false;
  CHECK_THAT(observe("recv() of the peer's answer after shutdown(send)",
                     recv_pattern(handle, kHalf, &pattern_ok, 0, transfer_timeout())),
             succeeds_with(static_cast<std::int64_t>(kHalf)));
  CHECK(pattern_ok);
  char byte = 0;
  CHECK_THAT(observe("recv() after the peer's answer", platform::recv(handle, &byte, 1)), reads_eof());
  const auto report = connection.peer.result();
  CHECK(report.bytes_received == kHalf);
  CHECK_THAT(observe("the peer's recv after our shutdown(send)", report.end_outcome()), reads_eof());
}
