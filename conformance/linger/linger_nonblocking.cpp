// SPDX-License-Identifier: MIT
// A non-blocking close with SO_LINGER {1,N}, N > 0, while data is still queued:
// Windows documents that closesocket fails with WSAEWOULDBLOCK, the handle stays
// valid with no disconnect started, and the caller must call closesocket again
// (closesocket D2 and linger table row 3, contract §1.2; not tested by Wine, §2.4 #6;
// asio then retries in blocking mode, socket_ops.ipp). Linux ignores O_NONBLOCK here:
// close blocks up to N seconds and returns 0 (kernel af_inet.c inet_release; contract
// §4 #10). Wine never returns WSAEWOULDBLOCK (contract §2.5). Catalogue #13.
//
// The close can wait out the 1 s linger, so this runs on one TCP kind and its reversal
// only (the linger timer is TCP's; tcp6 shares the code).
#include "closesem_testing/fixtures.hpp"

#include <chrono>
#include <vector>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("linger: a non-blocking close with a linger timeout and queued data fails with would-block on Winsock and blocks on POSIX",
          "[linger][D1][D2][slow]") {
  const auto kind = GENERATE(closesem::PairKind{platform::Transport::tcp4, false},
                             closesem::PairKind{platform::Transport::tcp4, true});
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  const auto queued = fill_send_buffer(pair.first.get());
  REQUIRE_THAT(observe("setsockopt(first, SO_LINGER, {1,1})", platform::set_linger(pair.first.get(), {true, 1})),
               succeeds());
  REQUIRE_THAT(observe("set non-blocking(first)", platform::set_nonblocking(pair.first.get(), true)), succeeds());

  // Raw handle: if the close fails, the handle is still ours to close again.
  const auto handle = pair.first.release();
  const auto started = std::chrono::steady_clock::now();
  const auto first_close = platform::close_handle(handle);
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  WARN("non-blocking close(first) with linger {1,1} and " << queued << " bytes queued took " << took.count()
                                                          << " ms: " << first_close.describe());
  CHECK_THAT(observe("close(first) non-blocking with linger {1,1} and queued data", first_close),
             by_api(fails_with(Errc::would_block), succeeds()));
  CHECK(took < std::chrono::seconds(1) + platform::scaled(std::chrono::milliseconds(5000)));

  if (!first_close.ok()) {
    // The documented way out: the handle is still a socket; close it again in blocking
    // mode (asio's retry), which lingers like a blocking close.
    platform::Endpoint still;
    CHECK_THAT(observe("getsockname(first) after the failed non-blocking close",
                       platform::local_endpoint(handle, still)),
               succeeds());
    CHECK_THAT(observe("set blocking(first) after the failed non-blocking close",
                       platform::set_nonblocking(handle, false)),
               succeeds());
    CHECK_THAT(observe("close(first) again, blocking, after the failed non-blocking close",
                       platform::close_handle(handle)),
               succeeds());
  }
}
