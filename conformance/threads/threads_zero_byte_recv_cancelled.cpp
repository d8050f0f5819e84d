// SPDX-License-Identifier: MIT
// A zero-byte recv blocked in another thread, cancelled.
// Linux: the cancel is a signal whose handler has no SA_RESTART; a recv it interrupts
// fails EINTR (signal.7), but tcp_recvmsg_locked (net/ipv4/tcp.c) ends a zero-byte read
// after the first wake-up, before it looks at signal_pending: the recv returns 0.
// Winsock: CancelSynchronousIo, as for any blocked call (ERROR_OPERATION_ABORTED, or
// WSAEINTR). Documented, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>
#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: a cancelled zero-byte recv blocked in another thread returns 0 on Linux", "[threads][P9]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto call = start_blocked_thread_recv(pair.second.get(), 0);
  CHECK_THAT(observe("cancel the recv(second, 0) blocked in another thread", call->cancel()), succeeds());
  CHECK_THAT(observe("recv(second, 0) in another thread completed soon after the cancel",
                     completes_within(*call, completion_time())),
             succeeds_with(1));
  // Release a recv that the cancel did not reach: the peer sends it a byte (which a
  // zero-byte recv leaves queued).
  release_blocked_recv(*call, pair.first.get(), "recv(second, 0)");
  CHECK_THAT(observe("recv(second, 0) in another thread, cancelled", call->result()),
             by_api(fails_with_any({Errc::interrupted, Errc::operation_aborted}), succeeds_with(0)));
  CHECK(call->completions() == 1);
}
