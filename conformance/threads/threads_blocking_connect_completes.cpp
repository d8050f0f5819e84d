// SPDX-License-Identifier: MIT
// A blocking connect started in another thread completes once the listener's stack
// accepts the connection (it is queued for accept, not accepted by the application), and
// the socket is connected: the listener accepts it and getpeername names the listener.
// Sources: connect.2 ("If the connection or binding succeeds, zero is returned"; a
// blocking TCP connect returns once the handshake is done), POSIX connect(); Microsoft's
// connect page ("For connection-oriented sockets ... the connection is established"; a
// blocking connect returns 0 on success), documented, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"
#include "../pending_call.hpp"

#include <memory>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: a blocking connect in another thread completes and leaves the socket connected",
          "[threads][P5]") {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::thread);
  auto listener = open_listener(platform::Transport::tcp4, 8);
  platform::Socket client;
  REQUIRE_THAT(observe("socket(client)", platform::open_stream(platform::Transport::tcp4, client)), succeeds());
  std::unique_ptr<platform::AsyncCall> call;
  REQUIRE_THAT(observe("start thread connect(client) to the listener",
                       platform::AsyncCall::start(platform::AsyncMechanism::thread,
                                                  connect_request(client.get(), listener.endpoint), call)),
               succeeds());
  REQUIRE_THAT(observe("connect(client) in another thread completed", completes_within(*call, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("connect(client) in another thread", call->result()), succeeds());
  CHECK(call->completions() == 1);

  platform::Socket accepted;
  REQUIRE_THAT(wait_for("listener", listener.socket.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("accept(listener) after the blocking connect completed",
                     platform::accept(listener.socket.get(), accepted)),
             succeeds());
  platform::Endpoint peer;
  CHECK_THAT(observe("getpeername(client) after the blocking connect completed",
                     platform::peer_endpoint(client.get(), peer)),
             succeeds());
  CHECK(peer.port == listener.endpoint.port);
}
