// SPDX-License-Identifier: MIT
// getpeername and getsockname on a closed handle fail: EBADF on Linux (getpeername.2,
// getsockname.2: "sockfd is not a valid file descriptor"), WSAENOTSOCK on Winsock (each
// page: "The descriptor is not a socket"; Wine's test_WithWSAStartup asserts it for
// getsockname on a socket closed by WSACleanup, contract §2.1). A closed value may be
// reused (closesocket D3), so the test checks that it names nothing first. Windows
// documented, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("names: getpeername and getsockname on a closed handle fail with bad handle on POSIX, not a socket on "
          "Winsock",
          "[names][G4][D2]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto closed = pair.second.get();
  REQUIRE_THAT(observe("close(second)", pair.second.close()), succeeds());
  REQUIRE_FALSE(platform::handle_in_use(closed));
  platform::Endpoint endpoint;
  CHECK_THAT(observe("getpeername(second) after close(second)", platform::peer_endpoint(closed, endpoint)),
             fails_with(by_api(Errc::not_socket, Errc::bad_handle)));
  CHECK_THAT(observe("getsockname(second) after close(second)", platform::local_endpoint(closed, endpoint)),
             fails_with(by_api(Errc::not_socket, Errc::bad_handle)));
}
