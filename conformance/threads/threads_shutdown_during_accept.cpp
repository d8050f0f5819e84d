// SPDX-License-Identifier: MIT
// shutdown(both) on a listener while another thread is blocked in accept on it
// (catalogue #37 and #32). Winsock refuses shutdown on a listening socket with
// WSAENOTCONN (shutdown S2; asserted for Windows by Wine's test_shutdown, contract §2.1),
// so the accept stays blocked and accepts the client that connects to release it.
// Linux: shutdown succeeds, stops the listener and wakes the accept with EINVAL
// (contract §4 #21; gVisor TCPListenShutdown).
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"
#include "blocked_call.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: shutdown(both) wakes an accept blocked in another thread on Linux, not on Winsock",
          "[threads][S2][slow]") {
  auto listener = open_listener(platform::Transport::tcp4, 8);
  const auto blocked = listener.socket.get();
  BlockedCall call([blocked](platform::Socket& accepted) { return platform::accept(blocked, accepted); });
  require_still_blocked(call, "accept(listener) in another thread returned with nobody connecting");

  const auto shut_at = BlockedCall::Clock::now();
  CHECK_THAT(observe("shutdown(listener, both) while another thread is blocked in accept(listener)",
                     platform::shutdown(blocked, platform::ShutdownHow::both)),
             by_api(fails_with(Errc::not_connected), succeeds()));
  CHECK_THAT(observe("accept(listener) in another thread returned soon after shutdown(listener, both)",
                     call.wait(wake_time())),
             succeeds_with(by_api(0, 1)));
  // Release an accept that is still blocked: a client connects to the listener.
  platform::Socket client;
  const auto release = release_blocked_accept(call, client, listener.endpoint, "accept(listener)");
  INFO("release: " << release);
  const auto result = call.take();
  INFO("the accept returned " << milliseconds_between(shut_at, result.returned_at)
                              << " ms after shutdown(listener, both)");
  CHECK_THAT(observe("accept(listener) in another thread, blocked when shutdown(listener, both) came",
                     result.outcome),
             by_api(succeeds(), fails_with(Errc::invalid_argument)));
}
