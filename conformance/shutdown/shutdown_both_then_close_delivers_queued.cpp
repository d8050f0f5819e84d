// SPDX-License-Identifier: MIT
// shutdown(both) then close while the send queue still holds data the peer has not
// taken (catalogue #28). The connection outlives the close: every queued byte is
// delivered, then end of stream (shutdown S5: "a FIN will be sent after all data is sent
// and acknowledged"; closesocket D9 graceful by default; Linux: the FIN follows the data).
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: after shutdown(both) and close with data still queued, the peer reads every byte, "
          "then end of stream",
          "[shutdown][S5][S6][D9]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  // The peer does not read yet: the data stays queued in both ends' buffers.
  const auto queued = fill_send_buffer(pair.first.get());
  INFO(queued << " bytes queued when the send would block");
  CHECK_THAT(observe("shutdown(first, both) with data queued", platform::shutdown(pair.first.get(), platform::ShutdownHow::both)),
             succeeds());
  CHECK_THAT(observe("close(first) after shutdown(both) with data queued", pair.first.close()), succeeds());

  const auto drained = drain("second", pair.second.get());
  CHECK(drained.bytes == queued);
  CHECK(drained.pattern_ok);
  CHECK_THAT(observe("recv(second) after all data of the closed first", drained.end), reads_eof());
}
