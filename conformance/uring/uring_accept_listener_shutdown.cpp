// SPDX-License-Identifier: MIT
// shutdown on a listener with an IORING_OP_ACCEPT pending completes the request with
// EINVAL, as it wakes a blocking accept (contract §4 #21; threads_shutdown_during_accept
// .cpp): inet_shutdown (net/ipv4/af_inet.c) stops a listening socket (tcp_disconnect ->
// inet_csk_listen_stop) and wakes its waiters; the request's retry of the accept finds a
// socket that no longer listens (inet_csk_accept: EINVAL unless TCP_LISTEN). Linux only
// (registered in the Linux build only); skipped with the kernel's answer where io_uring
// is refused.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"
#include "../pending_call.hpp"

#include <memory>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("uring: shutdown(both) of the listener completes a pending accept with invalid argument",
          "[uring][U5]") {
  CLOSESEM_URING_OR_SKIP();
  INFO("platform " << platform::platform_id());
  auto listener = open_listener(platform::Transport::tcp4, 8);
  const auto call = start_pending_call(platform::AsyncMechanism::uring,
                                       accept_request(listener.socket.get(), platform::Transport::tcp4),
                                       "start uring accept(listener)",
                                       "uring accept(listener) completed with nobody connecting");
  CHECK_THAT(observe("shutdown(listener, both) with a uring accept pending",
                     platform::shutdown(listener.socket.get(), platform::ShutdownHow::both)),
             succeeds());
  REQUIRE_THAT(observe("uring accept(listener) completed after shutdown(listener, both)",
                       completes_within(*call, completion_time())),
               succeeds_with(1));
  CHECK_THAT(observe("uring accept(listener), pending at shutdown(listener, both)", call->result()),
             fails_with(Errc::invalid_argument));
  CHECK(call->completions() == 1);
}
