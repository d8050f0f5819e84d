// SPDX-License-Identifier: MIT
// IORING_OP_ASYNC_CANCEL on a pending IORING_OP_RECV: the receive completes with
// -ECANCELED (portable operation_aborted) and the cancel itself with 0 (found and
// cancelled). Sources: io_uring_prep_cancel.3 ("res ... 0 if the request was found and
// cancelled"; the cancelled request completes with -ECANCELED), io_uring/cancel.c
// (io_async_cancel_one) and io_uring/poll.c (a receive waiting on poll is cancelled with
// -ECANCELED). The socket stays open and connected. Linux only (registered in the Linux
// build only); skipped with the kernel's answer where io_uring is refused.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("uring: ASYNC_CANCEL completes a pending recv with operation aborted and the socket stays usable",
          "[uring][U3]") {
  CLOSESEM_URING_OR_SKIP();
  INFO("platform " << platform::platform_id());
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto call = start_pending_call(platform::AsyncMechanism::uring, recv_request(pair.second.get(), 100),
                                       "start uring recv(second, 100)",
                                       "uring recv(second) completed with nothing sent");
  CHECK_THAT(observe("ASYNC_CANCEL of the pending uring recv(second)", call->cancel()), succeeds());
  REQUIRE_THAT(observe("uring recv(second) completed after ASYNC_CANCEL", completes_within(*call, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("uring recv(second, 100), cancelled", call->result()), fails_with(Errc::operation_aborted));
  CHECK(call->completions() == 1);

  CHECK_THAT(observe("send(first, 1) after the cancelled recv", send_pattern(pair.first.get(), 1)), succeeds_with(1));
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(second, 1) after the cancelled uring recv", recv_checked(pair.second.get(), 1)),
             succeeds_with(1));
}
