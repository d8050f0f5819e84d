// SPDX-License-Identifier: MIT
// An overlapped WSARecv pending when its socket is closed completes (GetOverlappedResult
// returns), failed: closesocket cancels pending overlapped operations issued by any thread,
// their completion actions still happen, and they fail with WSA_OPERATION_ABORTED
// (Microsoft's closesocket page, "Remarks"; contract D5). Wine's iocp_async_read_closesocket
// test asserts ERROR_CONNECTION_ABORTED (1236) for current Windows instead (contract §2.4
// #1, wine:12161), so either code is admitted. Documented, not measured on Windows.
// Winsock only (registered in the Windows build only).
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("overlapped: a WSARecv pending at closesocket completes with operation aborted",
          "[overlapped][O1][D5]") {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::overlapped);
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto pending = pair.second.release();  // closed below, under the pending call
  std::unique_ptr<platform::AsyncCall> call;
  REQUIRE_THAT(observe("start overlapped WSARecv(second, 100)",
                       platform::AsyncCall::start(platform::AsyncMechanism::overlapped, recv_request(pending, 100),
                                                  call)),
               succeeds());
  REQUIRE_THAT(observe("overlapped WSARecv(second) completed with nothing sent",
                       completes_within(*call, quiet_timeout())),
               succeeds_with(0));
  CHECK_THAT(observe("closesocket(second) with an overlapped WSARecv pending", platform::close_handle(pending)),
             succeeds());
  REQUIRE_THAT(observe("overlapped WSARecv(second) completed after closesocket(second)",
                       completes_within(*call, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("overlapped WSARecv(second, 100), pending at closesocket(second)", call->result()),
             fails_with_any({Errc::operation_aborted, Errc::connection_aborted}));
  CHECK(call->completions() == 1);
}
