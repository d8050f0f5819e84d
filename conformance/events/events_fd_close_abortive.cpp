// SPDX-License-Identifier: MIT
// WSAEventSelect: the peer's abortive close (linger {1,0}: a reset) is recorded as
// FD_CLOSE with an error code. Microsoft's WSAEventSelect page lists WSAECONNRESET ("the
// virtual circuit was reset by the remote side") and WSAECONNABORTED ("aborted due to
// timeout or other failure") among FD_CLOSE's error codes; Wine's test_close_events
// asserts WSAECONNABORTED for Windows after a reset (contract §2.4 #2), so either is
// admitted. Documented, not measured on Windows. Winsock only (registered in the Windows
// build only).
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;
namespace events = closesem::events;

TEST_CASE("events: WSAEventSelect records the peer's reset as FD_CLOSE with connection reset or aborted",
          "[events][N11]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto notifier =
      open_notifier(platform::Notifier::Kind::event_select, pair.second.get(), "WSAEventSelect on second");
  REQUIRE_THAT(observe("set linger {1,0} on first", platform::set_linger(pair.first.get(), platform::Linger{true, 0})),
               succeeds());
  CHECK_THAT(observe("close(first) with linger {1,0}", pair.first.close()), succeeds());
  const auto seen = collect_events(*notifier, events::close);
  check_event_bits("WSAEnumNetworkEvents(second) after the peer's reset", seen, events::close, events::close);
  CHECK_THAT(observe("FD_CLOSE's error code after the peer's reset", close_error_outcome(seen)),
             fails_with_any({Errc::connection_reset, Errc::connection_aborted}));
}
