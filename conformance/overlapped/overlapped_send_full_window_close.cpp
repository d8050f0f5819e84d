// SPDX-License-Identifier: MIT
// An overlapped WSASend pending on a full window (the peer does not read) when the socket
// is closed completes, failed: closesocket cancels pending overlapped operations issued by
// any thread and they fail with WSA_OPERATION_ABORTED (Microsoft's closesocket page;
// contract D5). ERROR_CONNECTION_ABORTED (1236), which Windows is recorded to give a
// pending WSARecv (contract §2.4 #1), is admitted too. Documented, not measured on Windows.
// Winsock only (registered in the Windows build only).
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>
#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("overlapped: a WSASend pending on a full window at closesocket completes with operation aborted",
          "[overlapped][O6][D5]") {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::overlapped);
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto pending = pair.first.release();  // closed below, under the pending call
  const auto queued = fill_send_buffer(pending);
  INFO(queued << " bytes queued before the WSASend");
  std::unique_ptr<platform::AsyncCall> call;
  REQUIRE_THAT(observe("start overlapped WSASend(first, 1 MiB) on a full window",
                       platform::AsyncCall::start(platform::AsyncMechanism::overlapped,
                                                  send_request(pending, std::size_t{1} << 20, queued), call)),
               succeeds());
  REQUIRE_THAT(observe("overlapped WSASend(first) completed with the window full",
                       completes_within(*call, quiet_timeout())),
               succeeds_with(0));
  CHECK_THAT(observe("closesocket(first) with an overlapped WSASend pending", platform::close_handle(pending)),
             succeeds());
  CHECK_THAT(observe("overlapped WSASend(first) completed soon after closesocket(first)",
                     completes_within(*call, completion_time())),
             succeeds_with(1));
  // Release a WSASend that is still pending: the peer closes with unread data (a reset).
  std::string release = "not needed";
  if (!call->wait(std::chrono::milliseconds(0)))
    release = "close(second) with unread data: " + pair.second.close().describe();
  INFO("release: " << release);
  REQUIRE_THAT(observe("overlapped WSASend(first) completed at last", completes_within(*call, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("overlapped WSASend(first, 1 MiB), pending at closesocket(first)", call->result()),
             fails_with_any({Errc::operation_aborted, Errc::connection_aborted}));
  CHECK(call->completions() == 1);
}
