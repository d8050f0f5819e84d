// SPDX-License-Identifier: MIT
// Closing a handle a second time fails with the platform's "not a socket" error:
// Winsock WSAENOTSOCK (closesocket, D2), POSIX EBADF (close.2; contract §4 #2).
// Nothing is created between the two closes, on one thread, so the handle value
// cannot have been reused in between (D3).
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("close: closing a connected end twice fails with not-a-socket", "[close][D1][D2]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  const auto handle = pair.first.release();
  REQUIRE_THAT(observe("close(first)", platform::close_handle(handle)), succeeds());
  CHECK_THAT(observe("close(first) again", platform::close_handle(handle)),
             fails_with(by_api(Errc::not_socket, Errc::bad_handle)));
}

TEST_CASE("close: closing an unconnected socket twice fails with not-a-socket", "[close][D1][D2]") {
  platform::Socket socket;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, socket)),
               succeeds());
  const auto handle = socket.release();
  REQUIRE_THAT(observe("close(socket)", platform::close_handle(handle)), succeeds());
  CHECK_THAT(observe("close(socket) again", platform::close_handle(handle)),
             fails_with(by_api(Errc::not_socket, Errc::bad_handle)));
}
