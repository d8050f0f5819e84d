// SPDX-License-Identifier: MIT
// A zero-byte recv blocked in another thread, when the peer's reset arrives.
// Linux: tcp_recvmsg_locked (net/ipv4/tcp.c) ends a zero-byte read after the first
// wake-up, before it looks at sk_err: the recv returns 0 and leaves the reset to the next
// call, which fails ECONNRESET. Winsock: recv R2, as for any recv: WSAECONNRESET. Not
// measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>
#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: a zero-byte recv blocked in another thread, woken by the peer's reset, returns 0 on Linux",
          "[threads][P8]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto call = start_blocked_thread_recv(pair.second.get(), 0);
  CHECK_THAT(observe("set linger {1,0} on first", platform::set_linger(pair.first.get(), platform::Linger{true, 0})),
             succeeds());
  CHECK_THAT(observe("close(first) with linger {1,0} while another thread is blocked in recv(second, 0)",
                     platform::close_handle(pair.first.release())),
             succeeds());
  REQUIRE_THAT(observe("recv(second, 0) in another thread completed soon after the reset",
                       completes_within(*call, completion_time())),
               succeeds_with(1));
  CHECK_THAT(observe("recv(second, 0) in another thread, woken by the peer's reset", call->result()),
             by_api(fails_with(Errc::connection_reset), succeeds_with(0)));
  char byte = 0;
  CHECK_THAT(observe("recv(second, 1) after the zero-byte recv returned", platform::recv(pair.second.get(), &byte, 1)),
             fails_with(Errc::connection_reset));
}
