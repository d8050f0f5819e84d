// SPDX-License-Identifier: MIT
// recv and send on a stream socket that was never connected fail with "not connected"
// (recv R5: WSAENOTCONN; recv.2/send.2: ENOTCONN). Linux answers recv on an
// unconnected AF_UNIX stream socket with EINVAL instead (measured on 6.18), and send
// on an unconnected TCP socket with EPIPE.
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

namespace {

// Per transport, what POSIX (Linux) answers instead of ENOTCONN.
struct Case {
  platform::Transport transport;
  Errc posix;
};

}  // namespace

TEST_CASE("io: recv on a never-connected socket fails with not connected", "[io][R5]") {
  const auto [transport, posix] = GENERATE(Case{platform::Transport::tcp4, Errc::not_connected},
                                           Case{platform::Transport::tcp6, Errc::not_connected},
                                           Case{platform::Transport::unix_stream, Errc::invalid_argument});
  CAPTURE(platform::to_string(transport));
  std::string why_not;
  if (!platform::transport_available(transport, &why_not)) CLOSESEM_SKIP(why_not);
  set_variant(std::string(platform::to_string(transport)));
  platform::Socket socket;
  REQUIRE_THAT(observe("socket", platform::open_stream(transport, socket)), succeeds());
  char byte = 0;
  CHECK_THAT(observe("recv(socket) never connected", platform::recv(socket.get(), &byte, 1)),
             fails_with(by_api(Errc::not_connected, posix)));
}

TEST_CASE("io: send on a never-connected socket fails", "[io][R5]") {
  platform::Socket socket;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, socket)), succeeds());
  // Winsock: WSAENOTCONN (send). Linux: EPIPE for an unconnected TCP socket (tcp.7
  // maps "not connected" on a stream socket to EPIPE for send), measured on 6.18.
  CHECK_THAT(observe("send(socket, 1) never connected", platform::send(socket.get(), "x", 1)),
             fails_with(by_api(Errc::not_connected, Errc::broken_pipe)));
}
