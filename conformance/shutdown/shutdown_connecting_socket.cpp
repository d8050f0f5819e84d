// SPDX-License-Identifier: MIT
// shutdown on a socket whose connect is still pending (SYN_SENT, made by a full listen
// queue; catalogue #31). Linux: inet_shutdown disconnects a SYN_SENT socket and returns
// 0; the socket then reports hang-up and error (gVisor Shutdown*ConnectingSocket:
// exactly POLLHUP|POLLERR). Winsock documents WSAENOTCONN for "the socket is not
// connected" (shutdown S2); whether a pending connect counts is not documented.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: shutdown on a socket whose connect is pending fails with not connected on Winsock, "
          "succeeds and ends the connect on Linux",
          "[shutdown][S1][S2]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::tcp6);
  const auto how = GENERATE(platform::ShutdownHow::receive, platform::ShutdownHow::send, platform::ShutdownHow::both);
  CLOSESEM_TRANSPORT_OR_SKIP(transport, " " + std::string(platform::to_string(how)));
  PendingConnect pending;
  std::string why_not;
  if (!open_pending_connect(transport, pending, why_not)) CLOSESEM_SKIP(why_not);
  const auto handle = pending.connecting.get();

  const std::string name = "shutdown(connecting, " + std::string(platform::to_string(how)) + ")";
  CHECK_THAT(observe(name + " while its connect is pending", platform::shutdown(handle, how)),
             by_api(fails_with(Errc::not_connected), succeeds()));

  platform::Events seen;
  const auto ready = platform::wait(handle, platform::WaitFor::writable, quiet_timeout(), &seen);
  INFO("events within " << quiet_timeout().count() << " ms after " << name << ": " << seen.describe());
  // Linux: the connect has been torn down, so the socket wakes with hang-up and error;
  // Winsock (a failed shutdown): the connect is still pending.
  CHECK_THAT(observe("wait(connecting, writable) after " + name, ready), succeeds_with(by_api(0, 1)));
  CHECK(seen.hangup == by_api(false, true));
  CHECK(seen.error == by_api(false, true));
}
