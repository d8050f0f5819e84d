// SPDX-License-Identifier: MIT
// Closing a socket while another thread is blocked in recv on it (catalogue #35).
// Winsock: the blocked call fails at once with WSAEINTR. That is the WinSock 1.1 rule
// (its spec §2.7, contract H1: closing a socket under a blocking call fails it "just as if the operation
// were canceled"), and what current Windows is reported to return (microsoft/ntttcp#2,
// twisted#6360, SuperSocket.ClientEngine#66); spi-close C3 says pending operations in
// any thread are aborted. D4 forbids doing this, so it is a fact about Windows, not a
// contract. Linux: close() does not wake it (close.2 "Multithreaded processes";
// contract §4 #6; gVisor ClosedReadBlockingSocket); the recv keeps its reference to the
// socket and returns what the peer sends later.
#include "closesem_testing/fixtures.hpp"

#include "blocked_call.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: close aborts a recv blocked in another thread on Winsock, not on Linux",
          "[threads][D4][D5][C3][H1][slow]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  // Closed by the test below while the thread may still use it: never by RAII. On Linux
  // the number can be reused by the next socket made, so none is made until the join.
  const auto blocked = pair.second.release();
  BlockedCall call(one_byte_recv(blocked));
  require_still_blocked(call, "recv(second) in another thread returned with nothing sent");

  const auto closed_at = BlockedCall::Clock::now();
  CHECK_THAT(observe("close(second) while another thread is blocked in recv(second)",
                     platform::close_handle(blocked)),
             succeeds());
  CHECK_THAT(observe("recv(second) in another thread returned soon after close(second)", call.wait(wake_time())),
             succeeds_with(by_api(1, 0)));
  // Release a recv that is still blocked: the peer sends it a byte.
  const auto release = release_blocked_recv(call, pair.first.get(), "recv(second)");
  INFO("release: " << release);
  const auto result = call.take();
  INFO("the recv returned " << milliseconds_between(closed_at, result.returned_at) << " ms after close(second)");
  CHECK_THAT(observe("recv(second) in another thread, blocked when close(second) came", result.outcome),
             by_api(fails_with(Errc::interrupted), succeeds_with(1)));
}
