// SPDX-License-Identifier: MIT
// An IORING_OP_RECV pending when its socket's descriptor is closed is not cancelled and
// does not complete: the request holds its own reference to the file (io_uring/net.c
// io_recv runs on the file the submission looked up, io_uring/io_uring.c io_file_get_normal
// takes a reference with fget; close(2) drops only the descriptor table's one, so the
// socket is not released, close.2 "Multithreaded processes"). Data the peer sends later
// completes it with those bytes. Linux only (registered in the Linux build only); skipped
// with the kernel's answer where io_uring is refused. The report names the kernel version
// (its platform id).
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("uring: a recv pending at close is not completed by the close, and the peer's data completes it",
          "[uring][U1]") {
  CLOSESEM_URING_OR_SKIP();
  INFO("platform " << platform::platform_id());
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  // Closed below under the pending request; no socket is made until it completed (the
  // number would be reused).
  const auto pending = pair.second.release();
  const auto call = start_pending_call(platform::AsyncMechanism::uring, recv_request(pending, 100),
                                       "start uring recv(second, 100)",
                                       "uring recv(second) completed with nothing sent");
  CHECK_THAT(observe("close(second) with a uring recv pending", platform::close_handle(pending)), succeeds());
  CHECK_THAT(observe("uring recv(second) completed soon after close(second)",
                     completes_within(*call, completion_time())),
             succeeds_with(0));

  CHECK_THAT(observe("send(first, 10) after close(second)", send_pattern(pair.first.get(), 10)), succeeds_with(10));
  REQUIRE_THAT(observe("uring recv(second) completed after the peer's data", completes_within(*call, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("uring recv(second, 100), pending at close(second), after the peer sent 10 bytes",
                     call->result()),
             succeeds_with(10));
  CHECK(call->completions() == 1);
}
