// SPDX-License-Identifier: MIT
// After the peer's shutdown(send) we become readable, and every recv reads end of
// stream, not just the first. Winsock: recv returns 0 on a graceful close (recv R1);
// Wine's test_shutdown asserts 0 twice after the peer's SD_SEND (contract §2.1). Linux:
// end of file repeatedly (recv.2; contract §4 #20; gVisor TCPUnblockWaitOnRemoteRdHUp);
// measured on TCP and AF_UNIX, blocking and non-blocking. Catalogue #34.
#include "closesem_testing/fixtures.hpp"

#include <string>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: after the peer's shutdown(send) recv reads end of stream repeatedly", "[shutdown][S5][R1]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  const bool non_blocking = GENERATE(false, true);
  CAPTURE(kind.description(), non_blocking);
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  REQUIRE_THAT(observe("set non-blocking(first)", platform::set_nonblocking(pair.first.get(), non_blocking)),
               succeeds());

  REQUIRE_THAT(observe("shutdown(second, send)", platform::shutdown(pair.second.get(), platform::ShutdownHow::send)),
               succeeds());
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  char buffer[16] = {};
  for (int attempt = 1; attempt <= 3; ++attempt) {
    CAPTURE(attempt);
    CHECK_THAT(observe("recv(first) #" + std::to_string(attempt) + " after shutdown(second, send)",
                       platform::recv(pair.first.get(), buffer, sizeof(buffer))),
               reads_eof());
    // Still readable: end of stream does not go away once read.
    CHECK_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  }
}
