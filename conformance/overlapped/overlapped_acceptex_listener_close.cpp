// SPDX-License-Identifier: MIT
// An AcceptEx pending on a listener when the listener is closed completes with
// ERROR_OPERATION_ABORTED (995): closesocket cancels pending overlapped operations
// (Microsoft's closesocket page; contract D5), and Wine's test_completion_port asserts
// exactly this for Windows (STATUS_CANCELLED; contract §2.4 #1, wine:10950). Documented,
// not measured on Windows. Winsock only (registered in the Windows build only).
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"
#include "../pending_call.hpp"

#include <memory>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("overlapped: an AcceptEx pending when its listener is closed completes with operation aborted",
          "[overlapped][O4][D5]") {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::overlapped);
  auto listener = open_listener(platform::Transport::tcp4, 8);
  const auto pending = listener.socket.release();  // closed below, under the pending call
  std::unique_ptr<platform::AsyncCall> call;
  REQUIRE_THAT(observe("start overlapped AcceptEx(listener)",
                       platform::AsyncCall::start(platform::AsyncMechanism::overlapped,
                                                  accept_request(pending, platform::Transport::tcp4), call)),
               succeeds());
  REQUIRE_THAT(observe("overlapped AcceptEx(listener) completed with nobody connecting",
                       completes_within(*call, quiet_timeout())),
               succeeds_with(0));
  CHECK_THAT(observe("closesocket(listener) with an AcceptEx pending", platform::close_handle(pending)), succeeds());
  REQUIRE_THAT(observe("overlapped AcceptEx(listener) completed after closesocket(listener)",
                       completes_within(*call, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("overlapped AcceptEx(listener), pending at closesocket(listener)", call->result()),
             fails_with(Errc::operation_aborted));
  CHECK(call->completions() == 1);
  CHECK_FALSE(call->take_accepted().valid());
}
