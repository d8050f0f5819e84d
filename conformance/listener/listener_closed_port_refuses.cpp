// SPDX-License-Identifier: MIT
// Once a listener is closed, a connect to its address is refused (catalogue #41b and
// #32; gVisor TCPListenCloseDuringConnect). Winsock WSAECONNREFUSED, Linux ECONNREFUSED
// (connect.2); for AF_UNIX the path is left behind but nobody listens on it.
// Windows before 10 2004 may not report a failed non-blocking connect through WSAPoll
// at all (contract §2.3); the bounded wait then fails the test with timed_out.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("listener: a connect to a closed listener's address is refused", "[listener][D1]") {
  const auto transport =
      GENERATE(platform::Transport::tcp4, platform::Transport::tcp6, platform::Transport::unix_stream);
  CLOSESEM_TRANSPORT_OR_SKIP(transport, "");

  auto listener = open_listener(transport, 8);
  const auto address = listener.endpoint;
  CAPTURE(address.describe());
  CHECK_THAT(observe("close(listener)", listener.socket.close()), succeeds());

  platform::Socket client;
  REQUIRE_THAT(observe("socket(client)", platform::open_stream(transport, client)), succeeds());
  CHECK_THAT(observe("connect(client) to the closed listener's address", connect_bounded(client.get(), address)),
             fails_with(Errc::connection_refused));
}
