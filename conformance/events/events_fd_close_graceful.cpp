// SPDX-License-Identifier: MIT
// WSAEventSelect: the peer's graceful close is recorded as FD_CLOSE with error code 0.
// Microsoft's WSAEventSelect page: FD_CLOSE's iErrorCode is 0 for a graceful close
// ("if the virtual circuit was closed gracefully"); Wine's test_close_events asserts
// FD_CLOSE after the peer's closesocket for Windows (contract §2.1). Documented, not
// measured on Windows. Winsock only (registered in the Windows build only).
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using namespace closesem::testing;
namespace platform = closesem::platform;
namespace events = closesem::events;

TEST_CASE("events: WSAEventSelect records the peer's graceful close as FD_CLOSE with 0", "[events][N10]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto notifier =
      open_notifier(platform::Notifier::Kind::event_select, pair.second.get(), "WSAEventSelect on second");
  CHECK_THAT(observe("close(first) with nothing unread", pair.first.close()), succeeds());
  const auto seen = collect_events(*notifier, events::close);
  check_event_bits("WSAEnumNetworkEvents(second) after the peer's close", seen, events::close, events::close);
  CHECK_THAT(observe("FD_CLOSE's error code after the peer's close", close_error_outcome(seen)), succeeds());
}
