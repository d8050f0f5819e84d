// SPDX-License-Identifier: MIT
// shutdown on a TCP socket that was never connected fails with "not connected", for
// every how. Winsock: WSAENOTCONN (shutdown S2; Wine's test_shutdown asserts it for
// SD_SEND and SD_RECEIVE, contract §2.1). Linux: ENOTCONN (shutdown.2; contract §4 #14;
// LTP shutdown02; measured). Catalogue #30.
// TCP only: Linux AF_UNIX has no such check and succeeds on an unconnected socket
// (unix_shutdown), which is a different fact.
#include "closesem_testing/fixtures.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: shutdown on an unconnected socket fails with not connected", "[shutdown][S1][S2]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::tcp6);
  const auto how = GENERATE(platform::ShutdownHow::receive, platform::ShutdownHow::send, platform::ShutdownHow::both);
  const std::string name(platform::to_string(transport));
  const std::string how_name(platform::to_string(how));
  CAPTURE(name, how_name);
  set_variant(name);
  std::string why_not;
  if (!platform::transport_available(transport, &why_not)) CLOSESEM_SKIP(why_not);

  platform::Socket socket;
  REQUIRE_THAT(observe("socket(" + name + ")", platform::open_stream(transport, socket)), succeeds());
  CHECK_THAT(observe("shutdown(unconnected, " + how_name + ")",
                     platform::shutdown(socket.get(), how)),
             fails_with(Errc::not_connected));
}
