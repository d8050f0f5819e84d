// SPDX-License-Identifier: MIT
// close() while another thread is blocked in send on a full window (the peer does not
// read). Linux: close does not wake the send (close.2 "Multithreaded processes": the
// blocked call holds its own reference to the open file, so the socket is not released;
// net/ipv4/tcp.c tcp_sendmsg_locked waits in sk_stream_wait_memory, which only an error,
// SEND_SHUTDOWN, a signal or its SO_SNDTIMEO ends); the peer's reset releases it here.
// Winsock: closing the socket under a blocking call fails the call with WSAEINTR
// (WinSock 1.1 §2.7, contract H1; spi-close C3: pending operations in any thread are
// aborted). Documented, not measured on Windows. D4 forbids doing this.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>
#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: close aborts a send blocked on a full window in another thread on Winsock, not on Linux",
          "[threads][P3][D4][C3][H1][slow]") {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::thread);
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  // Closed below while the worker may still use it: never by RAII. No socket is made
  // until the worker returned (on Linux the number would be reused).
  const auto blocked = pair.first.release();
  const auto queued = fill_send_buffer(blocked);
  INFO(queued << " bytes queued before the blocking send");
  const auto call = start_pending_call(platform::AsyncMechanism::thread,
                                       send_request(blocked, std::size_t{1} << 20, queued),
                                       "start thread send(first, 1 MiB) on a full window",
                                       "send(first) in another thread completed with the window full");

  CHECK_THAT(observe("close(first) while another thread is blocked in send(first)", platform::close_handle(blocked)),
             succeeds());
  CHECK_THAT(observe("send(first) in another thread completed soon after close(first)",
                     completes_within(*call, completion_time())),
             succeeds_with(by_api(1, 0)));
  // Release a send that is still blocked: the peer closes with unread data (a reset).
  std::string release = "not needed";
  if (!call->wait(std::chrono::milliseconds(0))) release = "close(second) with unread data: " +
                                                           pair.second.close().describe();
  INFO("release: " << release);
  REQUIRE_THAT(observe("send(first) in another thread completed at last", completes_within(*call, positive_timeout())),
               succeeds_with(1));
  INFO("the blocked send returned " << call->result().describe());
  CHECK_THAT(observe("send(first, 1 MiB) in another thread, blocked when close(first) came", call->result()),
             by_api(fails_with(Errc::interrupted),
                    succeeds_or_fails_with_any({Errc::connection_reset, Errc::broken_pipe})));
}
