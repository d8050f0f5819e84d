// SPDX-License-Identifier: MIT
// shutdown(send) on a socket while another thread is blocked in recv on it does not wake
// the recv: it only ends this end's sending (a FIN to the peer), and the recv returns the
// data the peer sends later. Sources: shutdown.2 and POSIX shutdown() (SHUT_WR disables
// further send operations only); Linux's tcp_shutdown (net/ipv4/tcp.c) sends a FIN and
// leaves the receive side alone, and only RCV_SHUTDOWN ends a waiting tcp_recvmsg.
// Winsock: the shutdown page says SD_SEND disallows subsequent sends only (contract S5);
// documented, not measured on Windows. Contrast threads_shutdown_during_recv.cpp (both
// directions wake it on Linux).
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: shutdown(send) does not wake a recv blocked in another thread, later data completes it",
          "[threads][P1][slow]") {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::thread);
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto call = start_pending_call(platform::AsyncMechanism::thread, recv_request(pair.second.get(), 1),
                                       "start thread recv(second, 1)",
                                       "recv(second) in another thread completed with nothing sent");

  CHECK_THAT(observe("shutdown(second, send) while another thread is blocked in recv(second)",
                     platform::shutdown(pair.second.get(), platform::ShutdownHow::send)),
             succeeds());
  CHECK_THAT(observe("recv(second) in another thread completed soon after shutdown(second, send)",
                     completes_within(*call, completion_time())),
             succeeds_with(0));
  CHECK_THAT(observe("recv(first) after shutdown(second, send)", recv_checked(pair.first.get(), 1)), reads_eof());

  // The peer's data completes the recv.
  CHECK_THAT(observe("send(first, 1) to release the blocked recv", send_pattern(pair.first.get(), 1)),
             succeeds_with(1));
  REQUIRE_THAT(observe("recv(second) in another thread completed after the peer's data",
                       completes_within(*call, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("recv(second, 1) in another thread, blocked when shutdown(second, send) came", call->result()),
             succeeds_with(1));
}
