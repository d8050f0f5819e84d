// SPDX-License-Identifier: MIT
// What calls on an end return after its connection was reset (here by the peer's
// close with SO_LINGER {1,0}, linger table contract §1.2). Only the first failure is
// portable (contract §5 rule 4):
// - Windows keeps the reset: recv and send keep failing with WSAECONNRESET, while
//   SO_ERROR reads 0 (WIN-OBS, contract §2.4 #7, wine:13973-13990; R2, R7).
// - Linux reports ECONNRESET once (from recv, send or SO_ERROR, whichever comes first);
//   afterwards recv reads 0 and send fails with EPIPE (contract §4 #8 and #23, measured).
// TCP only: AF_UNIX has no linger and no reset on close.
#include "closesem_testing/fixtures.hpp"

#include <algorithm>
#include <string>
#include <vector>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

namespace {

// first closes abortively; returns once second has seen the reset arrive.
void reset_by_first(closesem::Pair& pair) {
  REQUIRE_THAT(observe("setsockopt(first, SO_LINGER, {1,0})", platform::set_linger(pair.first.get(), {true, 0})),
               succeeds());
  REQUIRE_THAT(observe("close(first) with linger {1,0}", pair.first.close()), succeeds());
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
}

}  // namespace

TEST_CASE("reset: recv after a reset keeps failing on Winsock, while POSIX reports the reset once, then end of stream",
          "[reset][R2]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  reset_by_first(pair);

  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after the reset", platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             fails_with(Errc::connection_reset));
  CHECK_THAT(observe("recv(second) a second time after the reset",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             by_api(fails_with(Errc::connection_reset), reads_eof()));
  CHECK_THAT(observe("recv(second) a third time after the reset",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             by_api(fails_with(Errc::connection_reset), reads_eof()));
}

TEST_CASE("reset: send after recv reported a reset fails with connection reset on Winsock and broken pipe on POSIX",
          "[reset][R2][R7]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto signals_before = platform::broken_pipe_signals();
  reset_by_first(pair);

  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after the reset", platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             fails_with(Errc::connection_reset));
  const auto later = by_api(fails_with(Errc::connection_reset), fails_with(Errc::broken_pipe));
  CHECK_THAT(observe("send(second, 1) after recv reported the reset", platform::send(pair.second.get(), "x", 1)),
             later);
  CHECK_THAT(observe("send(second, 1) again after recv reported the reset", platform::send(pair.second.get(), "x", 1)),
             later);
  CHECK(platform::broken_pipe_signals() == signals_before);
}

TEST_CASE("reset: SO_ERROR after a reset reads 0 on Winsock, while POSIX reports the reset there once",
          "[reset][R2]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  reset_by_first(pair);

  CHECK_THAT(pending_error("SO_ERROR(second) after the reset", pair.second.get()),
             by_api(succeeds_with(0), fails_with(Errc::connection_reset)));
  CHECK_THAT(pending_error("SO_ERROR(second) a second time after the reset", pair.second.get()), succeeds_with(0));
  // Reading SO_ERROR consumed the reset on Linux; Windows still fails the recv.
  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after SO_ERROR was read", platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             by_api(fails_with(Errc::connection_reset), reads_eof()));
}

TEST_CASE("reset: send as the first call after a reset fails with connection reset, and later calls differ by platform",
          "[reset][R2][R7]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  reset_by_first(pair);

  CHECK_THAT(observe("send(second, 1) first after the reset", platform::send(pair.second.get(), "x", 1)),
             fails_with(Errc::connection_reset));
  CHECK_THAT(observe("send(second, 1) again after the reset", platform::send(pair.second.get(), "x", 1)),
             by_api(fails_with(Errc::connection_reset), fails_with(Errc::broken_pipe)));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after send reported the reset",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             by_api(fails_with(Errc::connection_reset), reads_eof()));
}
