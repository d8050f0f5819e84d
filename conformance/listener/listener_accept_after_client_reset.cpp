// SPDX-License-Identifier: MIT
// A client connects, sets linger {1,0} and closes before the server accepts: the queued
// connection has been reset (catalogue #8). Linux keeps it in the queue: accept succeeds
// and the first recv fails with ECONNRESET (gVisor TCPAcceptAfterReset). Winsock does not
// document it; sapi-ts basic/rst_before_accept checks it on Windows. Admissible there:
// accept fails with a reset or abort, the connection is withdrawn (accept would block),
// or accept succeeds and recv fails with a reset.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("listener: a connection reset by its client before accept is accepted, then recv fails with reset",
          "[listener][R2]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::tcp6);
  CLOSESEM_TRANSPORT_OR_SKIP(transport, "");

  auto listener = open_listener(transport, 8);
  platform::Socket client;
  REQUIRE_THAT(observe("socket(client)", platform::open_stream(transport, client)), succeeds());
  REQUIRE_THAT(observe("connect(client) to the listener", connect_bounded(client.get(), listener.endpoint)),
               succeeds());
  REQUIRE_THAT(wait_for("listener", listener.socket.get(), platform::WaitFor::readable), succeeds_with(1));
  REQUIRE_THAT(observe("set_linger(client, {1,0})", platform::set_linger(client.get(), {true, 0})), succeeds());
  CHECK_THAT(observe("close(client) with linger {1,0} before the server accepts", client.close()), succeeds());

  // Non-blocking, so that a connection the stack withdrew shows as would_block.
  REQUIRE_THAT(observe("set_nonblocking(listener)", platform::set_nonblocking(listener.socket.get(), true)),
               succeeds());
  platform::Socket accepted;
  const auto accept = platform::accept(listener.socket.get(), accepted);
  CHECK_THAT(observe("accept(listener) of the connection its client reset", accept),
             by_api(succeeds_or_fails_with_any({Errc::connection_reset, Errc::connection_aborted, Errc::would_block}),
                    succeeds()));
  if (!accept.ok()) return;

  REQUIRE_THAT(wait_for("accepted", accepted.get(), platform::WaitFor::readable), succeeds_with(1));
  char byte = 0;
  CHECK_THAT(observe("recv(accepted) of a connection its client reset before accept",
                     platform::recv(accepted.get(), &byte, 1)),
             fails_with(Errc::connection_reset));
  CHECK_THAT(pending_error("SO_ERROR(accepted) after the recv that reported the reset", accepted.get()),
             succeeds_with(0));
}
