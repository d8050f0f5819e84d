// SPDX-License-Identifier: MIT
// recv after shutdown(receive) with nothing queued. Winsock: fails with WSAESHUTDOWN,
// and keeps failing (recv R3; Wine's test_shutdown asserts it twice, contract §2.1;
// Wine's afd test sees STATUS_PIPE_DISCONNECTED). Linux: reads end of stream at once,
// without waiting, in blocking and non-blocking mode (contract §4 #17, measured on TCP
// and AF_UNIX). Contract §5.6.
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: recv after shutdown(receive) fails with shut_down on Winsock, reads end of stream on POSIX",
          "[shutdown][S4][R3]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  const bool non_blocking = GENERATE(false, true);
  CAPTURE(kind.description(), non_blocking);
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  REQUIRE_THAT(observe("set non-blocking(first)", platform::set_nonblocking(pair.first.get(), non_blocking)),
               succeeds());

  REQUIRE_THAT(observe("shutdown(first, receive)", platform::shutdown(pair.first.get(), platform::ShutdownHow::receive)),
               succeeds());
  char buffer[16] = {};
  CHECK_THAT(observe("recv(first) after shutdown(first, receive)", platform::recv(pair.first.get(), buffer, sizeof(buffer))),
             by_api(fails_with(Errc::shut_down), reads_eof()));
  CHECK_THAT(observe("recv(first) again after shutdown(first, receive)",
                     platform::recv(pair.first.get(), buffer, sizeof(buffer))),
             by_api(fails_with(Errc::shut_down), reads_eof()));
}
