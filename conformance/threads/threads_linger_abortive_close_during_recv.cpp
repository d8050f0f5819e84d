// SPDX-License-Identifier: MIT
// linger {1,0} set from this thread, then close, while another thread is blocked in recv
// on the socket: when does the peer see the reset?
// Linux: close() does not wake the blocked recv (close.2 "Multithreaded processes"),
// because the recv holds its own reference to the open file; the socket is released, and
// linger {1,0} makes tcp_close (net/ipv4/tcp.c: "Check zero linger _after_ checking for
// unread data" -> tcp_disconnect, which sends the reset) act, only when that last
// reference goes: so the peer sees nothing until the recv returns, then the reset.
// Winsock: closing under a blocking call fails the call with WSAEINTR (WinSock 1.1 §2.7,
// contract H1), and closesocket with linger {1,0} resets the connection at once (closesocket
// linger table, contract §1.2): the peer sees the reset without anything else happening.
// Documented, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>
#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: close with linger {1,0} under a blocked recv resets the connection at once on Winsock, "
          "only when the recv returns on Linux",
          "[threads][P2][D4][slow]") {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::thread);
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  // Closed below while the worker may still use it: never by RAII.
  const auto blocked = pair.second.release();
  const auto call = start_pending_call(platform::AsyncMechanism::thread, recv_request(blocked, 1),
                                       "start thread recv(second, 1)",
                                       "recv(second) in another thread completed with nothing sent");

  CHECK_THAT(observe("set linger {1,0} on second while another thread is blocked in recv(second)",
                     platform::set_linger(blocked, platform::Linger{true, 0})),
             succeeds());
  CHECK_THAT(observe("close(second) with linger {1,0} while another thread is blocked in recv(second)",
                     platform::close_handle(blocked)),
             succeeds());
  CHECK_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable, completion_time()),
             succeeds_with(by_api(1, 0)));

  // Release a recv that is still blocked: the peer sends it a byte.
  const auto release = release_blocked_recv(*call, pair.first.get(), "recv(second)");
  INFO("release: " << release);
  CHECK_THAT(observe("recv(second, 1) in another thread, blocked when close(second) with linger {1,0} came",
                     call->result()),
             by_api(fails_with(Errc::interrupted), succeeds_with(1)));
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  char byte = 0;
  CHECK_THAT(observe("recv(first) after close(second) with linger {1,0} and the blocked recv's return",
                     platform::recv(pair.first.get(), &byte, 1)),
             fails_with(Errc::connection_reset));
}
