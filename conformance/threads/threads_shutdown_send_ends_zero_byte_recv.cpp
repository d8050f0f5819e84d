// SPDX-License-Identifier: MIT
// shutdown(send) of a socket with a zero-byte recv blocked on it in another thread.
// Linux: inet_shutdown (net/ipv4/af_inet.c) ends with sk_state_change, which wakes every
// waiter of the socket. A recv of one byte or more goes back to sleep (P1), but
// tcp_recvmsg_locked (net/ipv4/tcp.c) ends a zero-byte read at its first wake-up: it
// returns 0. Winsock: shutdown(SD_SEND) disables sends only; nothing documents a wake-up.
// Not measured on Windows; Wine 8.0 leaves the recv pending.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>
#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: shutdown(send) ends a zero-byte recv blocked in another thread on Linux, not on Winsock",
          "[threads][P10]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto call = start_blocked_thread_recv(pair.second.get(), 0);
  CHECK_THAT(observe("shutdown(second, send) while another thread is blocked in recv(second, 0)",
                     platform::shutdown(pair.second.get(), platform::ShutdownHow::send)),
             succeeds());
  CHECK_THAT(observe("recv(second, 0) in another thread completed soon after shutdown(second, send)",
                     completes_within(*call, by_api(quiet_timeout(), completion_time()))),
             succeeds_with(by_api(0, 1)));
  // Release a recv still blocked: the peer sends a byte (a zero-byte recv leaves it queued).
  release_blocked_recv(*call, pair.first.get(), "recv(second, 0)");
  CHECK_THAT(observe("recv(second, 0) in another thread, blocked when shutdown(second, send) came", call->result()),
             succeeds_with(0));
  CHECK(call->completions() == 1);
}
