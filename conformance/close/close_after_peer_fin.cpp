// SPDX-License-Identifier: MIT
// Closing the end that already received the peer's FIN (CLOSE_WAIT): close returns 0
// and the half-closed peer then reads end of stream (graceful, catalogue #2;
// packetdrill close-remote-fin-then-close; D1, D9, R1).
#include "closesem_testing/fixtures.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("close: closing after the peer's FIN returns 0 and the peer reads end of stream",
          "[close][D1][D9][R1]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  REQUIRE_THAT(observe("shutdown(first, send)", platform::shutdown(pair.first.get(), platform::ShutdownHow::send)),
               succeeds());
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  char buffer[8] = {};
  REQUIRE_THAT(observe("recv(second) after the peer's FIN", platform::recv(pair.second.get(), buffer, sizeof(buffer))),
               reads_eof());

  CHECK_THAT(observe("close(second) after reading the peer's FIN", pair.second.close()), succeeds());
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(first) after the peer closed", platform::recv(pair.first.get(), buffer, sizeof(buffer))),
             reads_eof());
}
