// SPDX-License-Identifier: MIT
// After shutdown(send) the receiving direction is untouched: data the peer sends later
// is received (Winsock: SD_SEND disallows only sends, shutdown S5; Linux: data ACKed and
// readable, LTP shutdown01, measured), in blocking and non-blocking mode; with nothing
// queued, a non-blocking recv would block (Winsock WSAEWOULDBLOCK, Linux EAGAIN) rather
// than report end of stream or WSAESHUTDOWN. Catalogue #22.
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: after shutdown(send) data from the peer is still received", "[shutdown][S5]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  const bool non_blocking = GENERATE(false, true);
  CAPTURE(kind.description(), non_blocking);
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  REQUIRE_THAT(observe("set non-blocking(first)", platform::set_nonblocking(pair.first.get(), non_blocking)),
               succeeds());

  REQUIRE_THAT(observe("shutdown(first, send)", platform::shutdown(pair.first.get(), platform::ShutdownHow::send)),
               succeeds());
  CHECK_THAT(observe("send(second, 5) after shutdown(first, send)", send_pattern(pair.second.get(), 5)),
             succeeds_with(5));
  bool pattern_ok = false;
  CHECK_THAT(observe("recv(first, 5) after shutdown(first, send)", recv_pattern(pair.first.get(), 5, &pattern_ok)),
             succeeds_with(5));
  CHECK(pattern_ok);
}

TEST_CASE("shutdown: after shutdown(send) a non-blocking recv with nothing queued would block", "[shutdown][S5]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  REQUIRE_THAT(observe("set non-blocking(first)", platform::set_nonblocking(pair.first.get(), true)), succeeds());

  REQUIRE_THAT(observe("shutdown(first, send)", platform::shutdown(pair.first.get(), platform::ShutdownHow::send)),
               succeeds());
  char buffer[16] = {};
  CHECK_THAT(observe("recv(first) with nothing queued after shutdown(first, send)",
                     platform::recv(pair.first.get(), buffer, sizeof(buffer))),
             fails_with(Errc::would_block));
}
