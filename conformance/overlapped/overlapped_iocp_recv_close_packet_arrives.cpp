// SPDX-License-Identifier: MIT
// A WSARecv pending on a socket associated with an I/O completion port when the socket is
// closed: its completion packet still arrives (GetQueuedCompletionStatus dequeues it after
// closesocket returned), failed. Microsoft's closesocket page: pending overlapped
// operations are cancelled, "any ... completion port notification ... will occur", they
// fail with WSA_OPERATION_ABORTED, and an application must not assume that all
// outstanding I/O has completed when closesocket returns (contract D5, D6). Wine's
// iocp_async_read_closesocket asserts ERROR_CONNECTION_ABORTED (1236) for Windows
// (contract §2.4 #1), so either code is admitted. Documented, not measured on Windows.
// Winsock only (registered in the Windows build only).
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("overlapped: the completion packet of a WSARecv pending at closesocket still arrives, aborted",
          "[overlapped][O2][D5][D6]") {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::iocp);
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto pending = pair.second.release();  // closed below, under the pending call
  std::unique_ptr<platform::AsyncCall> call;
  REQUIRE_THAT(observe("start iocp WSARecv(second, 100)",
                       platform::AsyncCall::start(platform::AsyncMechanism::iocp, recv_request(pending, 100), call)),
               succeeds());
  REQUIRE_THAT(observe("iocp WSARecv(second) completed with nothing sent", completes_within(*call, quiet_timeout())),
               succeeds_with(0));
  CHECK_THAT(observe("closesocket(second) with an iocp WSARecv pending", platform::close_handle(pending)),
             succeeds());
  REQUIRE_THAT(observe("the completion packet of iocp WSARecv(second) arrived after closesocket(second)",
                       completes_within(*call, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("iocp WSARecv(second, 100), pending at closesocket(second)", call->result()),
             fails_with_any({Errc::operation_aborted, Errc::connection_aborted}));
  CHECK(call->completions() == 1);
}
