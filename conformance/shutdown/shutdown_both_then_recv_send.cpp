// SPDX-License-Identifier: MIT
// After shutdown(both), recv and send are both disallowed. Winsock: recv fails with
// WSAESHUTDOWN (recv R3) and send fails with WSAESHUTDOWN (send R6); Wine's
// test_shutdown asserts both for SD_BOTH (contract §2.1). Linux: recv reads end of
// stream (contract §4 #17) and send fails with EPIPE (§4 #18; LTP shutdown01); measured
// on TCP and AF_UNIX. Catalogue #27.
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: recv after shutdown(both) fails with shut_down on Winsock, reads end of stream on POSIX",
          "[shutdown][S5][R3]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  REQUIRE_THAT(observe("shutdown(first, both)", platform::shutdown(pair.first.get(), platform::ShutdownHow::both)),
               succeeds());
  char buffer[16] = {};
  CHECK_THAT(observe("recv(first) after shutdown(first, both)", platform::recv(pair.first.get(), buffer, sizeof(buffer))),
             by_api(fails_with(Errc::shut_down), reads_eof()));
}

TEST_CASE("shutdown: send after shutdown(both) fails with shut_down on Winsock, broken pipe on POSIX",
          "[shutdown][S5][R6]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto signals_before = platform::broken_pipe_signals();

  REQUIRE_THAT(observe("shutdown(first, both)", platform::shutdown(pair.first.get(), platform::ShutdownHow::both)),
               succeeds());
  CHECK_THAT(observe("send(first, 5) after shutdown(first, both)", send_pattern(pair.first.get(), 5)),
             fails_with(by_api(Errc::shut_down, Errc::broken_pipe)));
  CHECK(platform::broken_pipe_signals() == signals_before);
}
