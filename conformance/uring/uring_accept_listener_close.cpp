// SPDX-License-Identifier: MIT
// An IORING_OP_ACCEPT pending when the listener's descriptor is closed is not completed
// by the close: the request holds its own reference to the listening socket (io_uring/
// io_uring.c io_file_get_normal, fget), so the socket keeps listening (close.2
// "Multithreaded processes"; the blocking accept does the same, threads_close_during_accept
// .cpp). A client connecting to the listener's address completes it with a new socket
// (io_uring/net.c io_accept). Linux only (registered in the Linux build only); skipped
// with the kernel's answer where io_uring is refused.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"
#include "../pending_call.hpp"

#include <memory>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("uring: an accept pending at close of the listener stays pending, and a client's connect completes it",
          "[uring][U4]") {
  CLOSESEM_URING_OR_SKIP();
  INFO("platform " << platform::platform_id());
  auto listener = open_listener(platform::Transport::tcp4, 8);
  const auto pending = listener.socket.release();  // closed below, under the pending request
  const auto call = start_pending_call(platform::AsyncMechanism::uring,
                                       accept_request(pending, platform::Transport::tcp4),
                                       "start uring accept(listener)",
                                       "uring accept(listener) completed with nobody connecting");
  CHECK_THAT(observe("close(listener) with a uring accept pending", platform::close_handle(pending)), succeeds());
  CHECK_THAT(observe("uring accept(listener) completed soon after close(listener)",
                     completes_within(*call, completion_time())),
             succeeds_with(0));

  // The client's socket may get the closed listener's number: the request holds the
  // listening socket itself, not the number.
  platform::Socket client;
  REQUIRE_THAT(observe("socket(client)", platform::open_stream(platform::Transport::tcp4, client)), succeeds());
  CHECK_THAT(observe("connect(client) to the closed listener's address",
                     connect_bounded(client.get(), listener.endpoint)),
             succeeds());
  REQUIRE_THAT(observe("uring accept(listener) completed after the client's connect",
                       completes_within(*call, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("uring accept(listener), pending at close(listener), after a client connected", call->result()),
             succeeds());
  CHECK(call->take_accepted().valid());
}
