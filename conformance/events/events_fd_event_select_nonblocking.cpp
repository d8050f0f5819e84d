// SPDX-License-Identifier: MIT
// WSAEventSelect makes its socket non-blocking: a recv with nothing queued then fails at
// once with WSAEWOULDBLOCK instead of blocking. Microsoft's WSAEventSelect page: "The
// WSAEventSelect function automatically sets socket s to nonblocking mode". Documented,
// not measured on Windows. Winsock only (registered in the Windows build only).
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("events: WSAEventSelect makes the socket non-blocking", "[events][N13]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto notifier =
      open_notifier(platform::Notifier::Kind::event_select, pair.second.get(), "WSAEventSelect on second");
  char byte = 0;
  CHECK_THAT(observe("recv(second, 1) with nothing queued after WSAEventSelect",
                     platform::recv(pair.second.get(), &byte, 1)),
             fails_with(Errc::would_block));
}
