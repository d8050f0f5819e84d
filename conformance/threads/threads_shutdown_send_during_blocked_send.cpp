// SPDX-License-Identifier: MIT
// shutdown(send) while another thread is blocked in send on a full window.
// Linux: inet_shutdown (net/ipv4/af_inet.c) sets SEND_SHUTDOWN and wakes the socket's
// waiters (sk_state_change); the sender waiting for memory in tcp_sendmsg_locked
// (net/ipv4/tcp.c, sk_stream_wait_memory in net/core/stream.c) sees SEND_SHUTDOWN and
// returns what it queued so far, or EPIPE when nothing (send.2: EPIPE "the local end has
// been shut down on a connection oriented socket"). The peer then reads every queued
// byte, then end of stream.
// Winsock: the shutdown page documents no effect on a send in progress; Wine postpones
// the host's SHUT_WR until the queued writes have drained (server/sock.c, sock_ioctl
// IOCTL_AFD_WINE_SHUTDOWN; contract §2.5), so the send stays blocked, completes whole when
// the peer reads, and the FIN follows. That is asserted for Winsock: not documented by
// Microsoft, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: shutdown(send) ends a send blocked on a full window on Linux, not on Winsock",
          "[threads][P4][S5][slow]") {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::thread);
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto writer = pair.first.get();
  const auto queued = fill_send_buffer(writer);
  INFO(queued << " bytes queued before the blocking send");
  constexpr std::size_t kSize = std::size_t{1} << 20;
  const auto call = start_pending_call(platform::AsyncMechanism::thread, send_request(writer, kSize, queued),
                                       "start thread send(first, 1 MiB) on a full window",
                                       "send(first) in another thread completed with the window full");

  CHECK_THAT(observe("shutdown(first, send) while another thread is blocked in send(first)",
                     platform::shutdown(writer, platform::ShutdownHow::send)),
             succeeds());
  CHECK_THAT(observe("send(first) in another thread completed soon after shutdown(first, send)",
                     completes_within(*call, completion_time())),
             succeeds_with(by_api(0, 1)));

  // The peer reads everything: this also releases a send that is still blocked.
  const auto drained = drain("second", pair.second.get());
  INFO("the peer read " << drained.bytes << " bytes, ended by " << drained.end.describe());
  CHECK(drained.pattern_ok);
  CHECK_THAT(observe("recv(second) at the end of what first sent", drained.end), reads_eof());
  REQUIRE_THAT(observe("send(first) in another thread completed at last", completes_within(*call, positive_timeout())),
               succeeds_with(1));
  INFO("the blocked send returned " << call->result().describe());
  CHECK_THAT(observe("send(first, 1 MiB) in another thread, blocked when shutdown(first, send) came", call->result()),
             by_api(succeeds_with(static_cast<std::int64_t>(kSize)), succeeds_or_fails_with_any({Errc::broken_pipe})));
  if (call->result().ok()) CHECK(drained.bytes == queued + static_cast<std::size_t>(call->result().ret));
}
