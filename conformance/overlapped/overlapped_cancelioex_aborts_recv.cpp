// SPDX-License-Identifier: MIT
// CancelIoEx on a pending overlapped WSARecv: the operation completes with
// ERROR_OPERATION_ABORTED (995, WSA_OPERATION_ABORTED), and the socket stays open and
// connected. Microsoft's CancelIoEx page: "The operation being canceled is completed with
// one of three statuses ... ERROR_OPERATION_ABORTED" when the cancel took effect; the
// request was made, so CancelIoEx returns nonzero. Documented, not measured on Windows.
// Winsock only (registered in the Windows build only).
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("overlapped: CancelIoEx completes a pending WSARecv with operation aborted and the socket stays usable",
          "[overlapped][O3]") {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::overlapped);
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  std::unique_ptr<platform::AsyncCall> call;
  REQUIRE_THAT(observe("start overlapped WSARecv(second, 100)",
                       platform::AsyncCall::start(platform::AsyncMechanism::overlapped,
                                                  recv_request(pair.second.get(), 100), call)),
               succeeds());
  REQUIRE_THAT(observe("overlapped WSARecv(second) completed with nothing sent",
                       completes_within(*call, quiet_timeout())),
               succeeds_with(0));
  CHECK_THAT(observe("CancelIoEx on the pending WSARecv(second)", call->cancel()), succeeds());
  REQUIRE_THAT(observe("overlapped WSARecv(second) completed after CancelIoEx",
                       completes_within(*call, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("overlapped WSARecv(second, 100), cancelled by CancelIoEx", call->result()),
             fails_with(Errc::operation_aborted));
  CHECK(call->completions() == 1);

  CHECK_THAT(observe("send(first, 1) after the cancelled WSARecv", send_pattern(pair.first.get(), 1)),
             succeeds_with(1));
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(second, 1) after the cancelled WSARecv", recv_checked(pair.second.get(), 1)),
             succeeds_with(1));
}
