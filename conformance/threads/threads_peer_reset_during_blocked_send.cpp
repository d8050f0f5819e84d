// SPDX-License-Identifier: MIT
// A writer blocked in send (the peer does not read, both buffers are full) when the peer
// closes with unread data, which resets the connection (catalogue #4). Linux returns the
// bytes already queued as a partial count when some were taken, otherwise ECONNRESET or
// EPIPE (gVisor BlockPartialWriteClosed); the next send fails. Winsock: a blocking send
// is all or nothing and fails with WSAECONNRESET once the connection is reset (send
// R7); the next send fails too (contract §2.4 #7).
#include "closesem_testing/fixtures.hpp"

#include "blocked_call.hpp"

#include <memory>
#include <vector>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("threads: a send blocked on a full window returns when the peer resets the connection, "
          "and the next send fails",
          "[threads][R7][slow]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto writer = pair.first.get();

  // Queue data until the window is full, and give the peer unread data so that its
  // close is a reset.
  const auto queued = fill_send_buffer(writer);
  INFO(queued << " bytes queued before the blocking send");
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));

  // The pair's watchdog (SO_SNDTIMEO) bounds the send if nothing wakes it.
  auto data = std::make_shared<std::vector<unsigned char>>(std::size_t{1} << 20, 0x5a);
  BlockedCall call([writer, data](platform::Socket&) { return platform::send(writer, data->data(), data->size()); });
  require_still_blocked(call, "send(first, 1 MiB) in another thread returned with the window full");

  CHECK_THAT(observe("close(second) with unread data while first's send is blocked", pair.second.close()),
             succeeds());
  REQUIRE_THAT(observe("send(first) in another thread returned after the reset", call.wait(positive_timeout())),
               succeeds_with(1));
  const auto result = call.take();
  INFO("the blocked send returned " << result.outcome.describe());
  CHECK_THAT(observe("send(first, 1 MiB), blocked when the peer reset the connection", result.outcome),
             by_api(fails_with(Errc::connection_reset),
                    succeeds_or_fails_with_any({Errc::connection_reset, Errc::broken_pipe})));
  if (result.outcome.ok()) CHECK(result.outcome.ret < static_cast<std::int64_t>(data->size()));

  const char byte = 'x';
  CHECK_THAT(observe("send(first, 1) after the blocked send returned", platform::send(writer, &byte, 1)),
             by_api(fails_with_any({Errc::connection_reset, Errc::connection_aborted}),
                    fails_with_any({Errc::connection_reset, Errc::broken_pipe})));
}
