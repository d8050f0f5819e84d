// SPDX-License-Identifier: MIT
// shutdown(receive) leaves the sending direction alone: send still works and the peer
// receives the data. Winsock: SD_RECEIVE disallows only recv (shutdown S4); Wine's
// test_shutdown asserts send returns 5 after SD_RECEIVE (test_shutdown, wine:9508-9838;
// contract §2.1).
// Linux: still works (LTP shutdown01; measured on TCP and AF_UNIX). Catalogue #26.
#include "closesem_testing/fixtures.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: send still works after shutdown(receive)", "[shutdown][S4]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  REQUIRE_THAT(observe("shutdown(first, receive)", platform::shutdown(pair.first.get(), platform::ShutdownHow::receive)),
               succeeds());
  CHECK_THAT(observe("send(first, 5) after shutdown(first, receive)", send_pattern(pair.first.get(), 5)),
             succeeds_with(5));
  bool pattern_ok = false;
  CHECK_THAT(observe("recv(second, 5) after shutdown(first, receive)", recv_pattern(pair.second.get(), 5, &pattern_ok)),
             succeeds_with(5));
  CHECK(pattern_ok);
}
