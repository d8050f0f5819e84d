// SPDX-License-Identifier: MIT
// shutdown(receive) on a socket with an IORING_OP_RECV pending completes the request with
// 0 (end of stream), as it wakes a blocking recv (contract §4 #6 and #17): inet_shutdown
// (net/ipv4/af_inet.c) sets RCV_SHUTDOWN and wakes the socket's waiters, the request's
// poll wake-up retries the receive (io_uring/net.c io_recv, io_uring/poll.c) and
// tcp_recvmsg returns 0 once RCV_SHUTDOWN is set (net/ipv4/tcp.c). Linux only (registered
// in the Linux build only); skipped with the kernel's answer where io_uring is refused.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("uring: shutdown(receive) completes a pending recv with end of stream", "[uring][U2]") {
  CLOSESEM_URING_OR_SKIP();
  INFO("platform " << platform::platform_id());
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto call = start_pending_call(platform::AsyncMechanism::uring, recv_request(pair.second.get(), 100),
                                       "start uring recv(second, 100)",
                                       "uring recv(second) completed with nothing sent");
  CHECK_THAT(observe("shutdown(second, receive) with a uring recv pending",
                     platform::shutdown(pair.second.get(), platform::ShutdownHow::receive)),
             succeeds());
  REQUIRE_THAT(observe("uring recv(second) completed after shutdown(second, receive)",
                       completes_within(*call, completion_time())),
               succeeds_with(1));
  CHECK_THAT(observe("uring recv(second, 100), pending at shutdown(second, receive)", call->result()), reads_eof());
  CHECK(call->completions() == 1);
}
