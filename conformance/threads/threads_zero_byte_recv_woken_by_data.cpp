// SPDX-License-Identifier: MIT
// A zero-byte recv blocked in another thread, when data arrives: it returns 0 and takes
// nothing; the data stays queued for the next recv.
// Linux: a zero-byte recv waits like any other (tcp_recvmsg_locked, net/ipv4/tcp.c, asks
// for at least one byte: sock_rcvlowat is never below 1), but its loop runs `while
// (len > 0)`: with len 0 it ends after the first wake-up, copying nothing. Winsock: the
// zero-byte receive is the usual way to wait for data without a buffer; what a blocking
// one returns is not documented. Not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: a zero-byte recv blocked in another thread returns 0 when data arrives, which stays queued",
          "[threads][P7]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto call = start_blocked_thread_recv(pair.second.get(), 0);
  CHECK_THAT(observe("send(first, 5) while another thread is blocked in recv(second, 0)",
                     send_pattern(pair.first.get(), 5)),
             succeeds_with(5));
  REQUIRE_THAT(observe("recv(second, 0) in another thread completed soon after the send",
                       completes_within(*call, completion_time())),
               succeeds_with(1));
  CHECK_THAT(observe("recv(second, 0) in another thread, woken by data", call->result()), succeeds_with(0));
  CHECK(call->completions() == 1);
  // Nothing was taken: all five bytes are read now, from stream offset 0.
  CHECK_THAT(observe("recv(second, 10) after the zero-byte recv returned", recv_checked(pair.second.get(), 10, 0)),
             succeeds_with(5));
}
