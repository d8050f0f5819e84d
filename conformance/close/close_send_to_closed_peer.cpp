// SPDX-License-Identifier: MIT
// Writing to a peer that closed gracefully: the first send succeeds (a successful send
// does not mean delivery, R8) and draws a reset from the closed end. After it, Windows
// fails recv with WSAECONNABORTED (WIN-OBS, contract §2.4 #3, wine:9699-9715 test_shutdown;
// R4) and a later send with WSAECONNABORTED or WSAECONNRESET (reports, catalogue #3; R7).
// Linux reads end of stream (the FIN is queued before the reset) and fails the later
// send with EPIPE (contract §4 #24, measured). Catalogue #3.
// TCP only: an AF_UNIX send to a closed peer fails at once with EPIPE, as there is no
// network in between that could accept it first.
#include "closesem_testing/fixtures.hpp"

#include <algorithm>
#include <vector>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

namespace {

// first closes gracefully; second has seen the FIN arrive (readable) but not read it.
void close_first_and_await_fin(closesem::Pair& pair) {
  REQUIRE_THAT(observe("close(first)", pair.first.close()), succeeds());
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
}

}  // namespace

TEST_CASE("close: the first send to a peer that closed succeeds", "[close][R8]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  close_first_and_await_fin(pair);

  CHECK_THAT(observe("send(second, 5) after close(first)", send_pattern(pair.second.get(), 5)), succeeds_with(5));
}

TEST_CASE("close: recv after sending to a peer that closed fails with connection aborted on Winsock, end of stream on POSIX",
          "[close][R4][R1]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  close_first_and_await_fin(pair);

  REQUIRE_THAT(observe("send(second, 5) after close(first)", send_pattern(pair.second.get(), 5)), succeeds_with(5));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after send(second) to the closed first",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             by_api(fails_with(Errc::connection_aborted), reads_eof()));
}

TEST_CASE("close: a second send to a peer that closed fails", "[close][R4][R7]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  close_first_and_await_fin(pair);

  REQUIRE_THAT(observe("send(second, 5) after close(first)", send_pattern(pair.second.get(), 5)), succeeds_with(5));
  // Windows reports either error here (catalogue #3 [rep]); both mean "the connection is gone".
  CHECK_THAT(observe("send(second, 5) again after close(first)", send_pattern(pair.second.get(), 5, 5)),
             by_api(fails_with_any({Errc::connection_aborted, Errc::connection_reset}), fails_with(Errc::broken_pipe)));
}
