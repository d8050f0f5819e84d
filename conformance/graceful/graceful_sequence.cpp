// SPDX-License-Identifier: MIT
// The documented graceful sequence (shutdown S9, graceful): shutdown(send), read until
// 0, then close. Both sides get every byte, each close returns 0 (D1), and shutdown did
// not close the socket (S6): calls on it still work until close, and sending stays
// disabled (S8).
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("graceful: shutdown(send), read until end of stream, close: both sides get every byte",
          "[graceful][S9][S6][S8][D1][D7]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  // Small enough to sit in the socket buffers of every transport (AF_UNIX included)
  // while nobody reads, so the blocking send returns at once.
  constexpr std::size_t kBytes = 32 * 1024;

  // Each side sends its data; the first then half-closes.
  REQUIRE_THAT(observe("send(first, 32 KiB)", send_pattern(pair.first.get(), kBytes)),
               succeeds_with(static_cast<std::int64_t>(kBytes)));
  REQUIRE_THAT(observe("shutdown(first, send)", platform::shutdown(pair.first.get(), platform::ShutdownHow::send)),
               succeeds());

  // The second reads everything, then end of stream, answers, and closes.
  bool intact = false;
  CHECK_THAT(observe("recv(second) everything", recv_pattern(pair.second.get(), kBytes, &intact)),
             succeeds_with(static_cast<std::int64_t>(kBytes)));
  CHECK(intact);
  char buffer[16] = {};
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(second) after the data", platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             reads_eof());
  REQUIRE_THAT(observe("send(second, 4)", platform::send(pair.second.get(), "done", 4)), succeeds_with(4));
  CHECK_THAT(observe("close(second)", pair.second.close()), succeeds());

  // The half-closed side still works for reading (S6) and still cannot send (S8).
  CHECK_THAT(observe("recv(first) the answer", recv_pattern(pair.first.get(), 4, nullptr)), succeeds_with(4));
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(first) after the peer closed", platform::recv(pair.first.get(), buffer, sizeof(buffer))),
             reads_eof());
  CHECK_THAT(observe("send(first, 1) after shutdown(first, send) and the peer's close",
                     platform::send(pair.first.get(), "x", 1)),
             fails_with(by_api(Errc::shut_down, Errc::broken_pipe)));
  CHECK_THAT(observe("close(first)", pair.first.close()), succeeds());
}
