// SPDX-License-Identifier: MIT
// shutdown(send) a second time on a connected socket succeeds. Winsock: Wine's
// test_shutdown asserts 0 both times (contract §2.1; shutdown S1). Linux: OK (contract
// §4 #19; gVisor ShutdownWriteInFinWait1; measured). The peer still reads end of stream
// once the second call returned. Catalogue #29 (first two steps).
#include "closesem_testing/fixtures.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: shutdown(send) twice succeeds both times", "[shutdown][S1][S5]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  CHECK_THAT(observe("shutdown(first, send)", platform::shutdown(pair.first.get(), platform::ShutdownHow::send)),
             succeeds());
  CHECK_THAT(observe("shutdown(first, send) again", platform::shutdown(pair.first.get(), platform::ShutdownHow::send)),
             succeeds());
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after shutdown(first, send) twice",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             reads_eof());
}
