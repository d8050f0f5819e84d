// SPDX-License-Identifier: MIT
// Closing a listener while another thread is blocked in accept on it (catalogue #37).
// Winsock: the blocked accept fails at once with WSAEINTR (WinSock 1.1 §2.7, H1; the
// error current Windows is reported to give blocking calls whose socket is closed under
// them: microsoft/ntttcp#2, SuperSocket.ClientEngine#66); spi-close C3 says pending
// operations in any thread are aborted.
// D4 forbids doing this. Linux: close() does not wake it (close.2 "Multithreaded
// processes"; FreeBSD the same, listener_wakeup.c; rubinius#656): the listening socket
// lives on while accept holds it, so a client connecting to its address is accepted.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"
#include "blocked_call.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: close aborts an accept blocked in another thread on Winsock, not on Linux",
          "[threads][D4][C3][H1][slow]") {
  auto listener = open_listener(platform::Transport::tcp4, 8);
  // Closed by the test below while the thread may still use it: never by RAII.
  const auto blocked = listener.socket.release();
  BlockedCall call([blocked](platform::Socket& accepted) { return platform::accept(blocked, accepted); });
  require_still_blocked(call, "accept(listener) in another thread returned with nobody connecting");

  const auto closed_at = BlockedCall::Clock::now();
  CHECK_THAT(observe("close(listener) while another thread is blocked in accept(listener)",
                     platform::close_handle(blocked)),
             succeeds());
  CHECK_THAT(observe("accept(listener) in another thread returned soon after close(listener)",
                     call.wait(wake_time())),
             succeeds_with(by_api(1, 0)));
  // Release an accept that is still blocked: a client connects to the listener's address.
  // (On Linux this socket may get the closed listener's number; the blocked accept holds
  // the listening socket itself, not the number.)
  platform::Socket client;
  const auto release = release_blocked_accept(call, client, listener.endpoint, "accept(listener)");
  INFO("release: " << release);
  const auto result = call.take();
  INFO("the accept returned " << milliseconds_between(closed_at, result.returned_at) << " ms after close(listener)");
  CHECK_THAT(observe("accept(listener) in another thread, blocked when close(listener) came", result.outcome),
             by_api(fails_with(Errc::interrupted), succeeds()));
}
