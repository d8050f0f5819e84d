// SPDX-License-Identifier: MIT
// ConnectEx to a listening socket completes (GetOverlappedResult) with success, and the
// socket is connected: the listener accepts it and getpeername names the listener.
// Microsoft's ConnectEx page: on success the operation completes and the socket is
// connected; "the socket is in the default state for a connected socket" only after
// SO_UPDATE_CONNECT_CONTEXT, which the platform layer sets (getpeername needs it).
// Documented, not measured on Windows. Winsock only (registered in the Windows build only).
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"
#include "../pending_call.hpp"

#include <memory>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("overlapped: ConnectEx to a listener completes with success and leaves the socket connected",
          "[overlapped][O5]") {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::overlapped);
  auto listener = open_listener(platform::Transport::tcp4, 8);
  platform::Socket client;
  REQUIRE_THAT(observe("socket(client)", platform::open_stream(platform::Transport::tcp4, client)), succeeds());
  std::unique_ptr<platform::AsyncCall> call;
  REQUIRE_THAT(observe("start overlapped ConnectEx(client) to the listener",
                       platform::AsyncCall::start(platform::AsyncMechanism::overlapped,
                                                  connect_request(client.get(), listener.endpoint), call)),
               succeeds());
  REQUIRE_THAT(observe("overlapped ConnectEx(client) completed", completes_within(*call, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("overlapped ConnectEx(client) to the listener", call->result()), succeeds());
  CHECK(call->completions() == 1);

  platform::Socket accepted;
  REQUIRE_THAT(wait_for("listener", listener.socket.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("accept(listener) after ConnectEx completed", platform::accept(listener.socket.get(), accepted)),
             succeeds());
  platform::Endpoint peer;
  CHECK_THAT(observe("getpeername(client) after ConnectEx completed", platform::peer_endpoint(client.get(), peer)),
             succeeds());
  CHECK(peer.port == listener.endpoint.port);
}
