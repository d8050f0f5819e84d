// SPDX-License-Identifier: MIT
// AsyncCall::cancel on a recv blocked in another thread interrupts it, and the recv fails;
// the socket stays open and usable.
// POSIX: the worker gets a signal whose handler is installed without SA_RESTART; a
// blocking recv interrupted by a handler fails with EINTR (signal.7, "Interruption of
// system calls and library functions by signal handlers": socket calls with SO_RCVTIMEO
// set always fail with EINTR; recv.2 EINTR). Windows: CancelSynchronousIo cancels the
// thread's pending synchronous I/O, which "completes with ERROR_OPERATION_ABORTED"
// (Microsoft's CancelSynchronousIo page); Winsock reports a cancelled blocking call as
// WSAEINTR (WinSock 1.1 §2.7, WSACancelBlockingCall). Either code is admitted on Winsock:
// documented, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>
#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: cancelling a recv blocked in another thread interrupts it and leaves the socket usable",
          "[threads][P6]") {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::thread);
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto call = start_pending_call(platform::AsyncMechanism::thread, recv_request(pair.second.get(), 1),
                                       "start thread recv(second, 1)",
                                       "recv(second) in another thread completed with nothing sent");
  CHECK_THAT(observe("cancel the recv(second) blocked in another thread", call->cancel()), succeeds());
  CHECK_THAT(observe("recv(second) in another thread completed soon after the cancel",
                     completes_within(*call, completion_time())),
             succeeds_with(1));
  // Release a recv that the cancel did not reach: the peer sends it a byte.
  release_blocked_recv(*call, pair.first.get(), "recv(second)");
  CHECK_THAT(observe("recv(second, 1) in another thread, cancelled", call->result()),
             by_api(fails_with_any({Errc::interrupted, Errc::operation_aborted}), fails_with(Errc::interrupted)));
  CHECK(call->completions() == 1);

  // The socket is still connected: data sent now is received by a new call.
  const std::size_t offset = call->result().ok() ? static_cast<std::size_t>(call->result().ret) : 0;
  CHECK_THAT(observe("send(first, 1) after the cancelled recv", send_pattern(pair.first.get(), 1, offset)),
             succeeds_with(1));
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(second, 1) after the cancelled recv", recv_checked(pair.second.get(), 1, offset)),
             succeeds_with(1));
}
