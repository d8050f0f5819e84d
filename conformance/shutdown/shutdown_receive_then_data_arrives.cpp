// SPDX-License-Identifier: MIT
// Data that arrives after shutdown(receive) on TCP. Winsock: "if ... data arrives
// subsequently, the connection is reset, since the data cannot be delivered to the
// user" (shutdown S4), so the sender sees a reset (R2), and the local recv stays
// disallowed with WSAESHUTDOWN (recv R3). Linux: the data is ACKed, queued and readable,
// and no RST is sent (contract §4 #17; catalogue #24; measured). Windows' real
// behaviour is unverified (contract §2.4 #4: not tested by Wine; the MFC doc even says
// the data is accepted but not acknowledged): the Winsock values are the documented
// ones. Catalogue #24.
// TCP only: on Linux AF_UNIX the peer's send itself fails with EPIPE once the receiver
// has shut down receiving (unix_stream_sendmsg), which is a different fact.
#include "closesem_testing/fixtures.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

namespace {

// first shuts down receiving with nothing queued; then second sends 5 bytes.
void data_after_shutdown_receive(closesem::Pair& pair) {
  REQUIRE_THAT(observe("shutdown(first, receive)", platform::shutdown(pair.first.get(), platform::ShutdownHow::receive)),
               succeeds());
  REQUIRE_THAT(observe("send(second, 5) after shutdown(first, receive)", send_pattern(pair.second.get(), 5)),
               succeeds_with(5));
}

}  // namespace

TEST_CASE("shutdown: data arriving after shutdown(receive) resets the connection on Winsock, POSIX sends the peer nothing",
          "[shutdown][S4][R2]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  REQUIRE_THAT(observe("set non-blocking(second)", platform::set_nonblocking(pair.second.get(), true)), succeeds());
  data_after_shutdown_receive(pair);

  // A loopback reset arrives within this short wait; on POSIX nothing arrives at all.
  const auto quiet = quiet_timeout();
  CHECK_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable, quiet),
             by_api(succeeds_with(1), succeeds_with(0)));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after its data reached first, which had shut down receiving",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             by_api(fails_with(Errc::connection_reset), fails_with(Errc::would_block)));
}

TEST_CASE("shutdown: recv of data that arrived after shutdown(receive) fails with shut_down on Winsock, POSIX delivers it",
          "[shutdown][S4][R3]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  // Non-blocking, so that a recv can never wait for data that does not come.
  REQUIRE_THAT(observe("set non-blocking(first)", platform::set_nonblocking(pair.first.get(), true)), succeeds());
  data_after_shutdown_receive(pair);

  // Both: the data (POSIX) or the reset (Winsock) makes first readable.
  REQUIRE_THAT(wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(first) of data that arrived after shutdown(first, receive)",
                     recv_checked(pair.first.get(), 16)),
             by_api(fails_with(Errc::shut_down), succeeds_with(5)));
}
