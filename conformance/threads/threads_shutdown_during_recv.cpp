// SPDX-License-Identifier: MIT
// shutdown(both) while another thread is blocked in recv on the socket (catalogue #36).
// Linux: the recv wakes at once and reads end of stream (contract §4 #6; gVisor
// SelfConnectRecvShutdownRead). Winsock: SD_RECEIVE "has no effect on the lower protocol
// layers" (shutdown S4) and does not complete a pending receive: Wine's test_shutdown
// asserts on Windows that an overlapped WSARecv pending at SD_RECEIVE completes with data
// that arrives later (wine:9508-9838); reports say the same for SD_BOTH (corefx#16611,
// asio#529). The blocked recv then returns the byte the peer sends to release it.
#include "closesem_testing/fixtures.hpp"

#include "blocked_call.hpp"

#include <string>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: shutdown(both) wakes a recv blocked in another thread on Linux, not on Winsock",
          "[threads][S4][S5][slow]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto blocked = pair.second.get();
  BlockedCall call(one_byte_recv(blocked));
  require_still_blocked(call, "recv(second) in another thread returned with nothing sent");

  const auto shut_at = BlockedCall::Clock::now();
  CHECK_THAT(observe("shutdown(second, both) while another thread is blocked in recv(second)",
                     platform::shutdown(blocked, platform::ShutdownHow::both)),
             succeeds());
  CHECK_THAT(observe("recv(second) in another thread returned soon after shutdown(second, both)",
                     call.wait(wake_time())),
             succeeds_with(by_api(0, 1)));
  // Release a recv that is still blocked: the peer sends it a byte.
  const auto release = release_blocked_recv(call, pair.first.get(), "recv(second)");
  INFO("release: " << release);
  const auto result = call.take();
  INFO("the recv returned " << milliseconds_between(shut_at, result.returned_at)
                            << " ms after shutdown(second, both)");
  CHECK_THAT(observe("recv(second) in another thread, blocked when shutdown(second, both) came", result.outcome),
             by_api(succeeds_with(1), reads_eof()));
}
