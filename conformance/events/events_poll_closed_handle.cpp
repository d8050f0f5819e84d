// SPDX-License-Identifier: MIT
// poll / WSAPoll on a closed handle. Linux: poll returns 1 with POLLNVAL ("Invalid
// request: fd not open", poll.2; fs/select.c do_pollfd). Winsock: WSAPoll fails with
// WSAENOTSOCK and sets POLLNVAL in revents (Wine's test_WSAPoll asserts both for Windows
// on an invalid handle, contract §2.1; Microsoft's WSAPoll page lists POLLNVAL "the socket
// used ... is invalid"). Documented, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;
namespace events = closesem::events;

TEST_CASE("events: poll on a closed handle reports nval", "[events][N5][D2]") {
  platform::Socket socket;
  REQUIRE_THAT(observe("socket()", platform::open_stream(platform::Transport::tcp4, socket)), succeeds());
  const auto closed = socket.get();
  REQUIRE_THAT(observe("close(socket)", socket.close()), succeeds());
  // Nothing was made since: the value names nothing (closesocket D3).
  REQUIRE_FALSE(platform::handle_in_use(closed));
  events::EventSet seen;
  CHECK_THAT(observe("poll(closed handle)", platform::poll_events(closed, quiet_timeout(), seen)),
             by_api(fails_with(Errc::not_socket), succeeds_with(1)));
  check_event_bits("poll(closed handle)", seen, events::nval);
}
