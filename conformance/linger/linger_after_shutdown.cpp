// SPDX-License-Identifier: MIT
// shutdown(both) sends the FIN; a later close with SO_LINGER {1,0} then resets the
// connection (packetimpact TestTCPLingerShutdownZeroTimeout: "FIN at shutdown, then RST
// at close"). The peer first reads end of stream. What its next recv shows depends on
// the platform: Windows documents that after an abortive close "recv on the remote side
// will fail with WSAECONNRESET" (linger table, contract §1.2; modern behaviour after a
// FIN is [?] in the catalogue, NT 4.0 lost this RST: L5/KB176736). Linux, measured: the
// reset arrives in CLOSE_WAIT, where the kernel keeps it as EPIPE in SO_ERROR (tcp_reset;
// probed) and recv keeps reading 0. Catalogue #16.
// TCP only: AF_UNIX has no reset.
#include "closesem_testing/fixtures.hpp"

#include <algorithm>
#include <vector>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("linger: after shutdown(both), a close with linger {1,0} shows the peer end of stream, then the reset",
          "[linger][L5][S5][R1][R2]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  REQUIRE_THAT(observe("shutdown(first, both)", platform::shutdown(pair.first.get(), platform::ShutdownHow::both)),
               succeeds());
  REQUIRE_THAT(observe("setsockopt(first, SO_LINGER, {1,0})", platform::set_linger(pair.first.get(), {true, 0})),
               succeeds());
  CHECK_THAT(observe("close(first) with linger {1,0} after shutdown(first, both)", pair.first.close()), succeeds());

  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(second) after shutdown(first, both)", platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             reads_eof());
  CHECK_THAT(observe("recv(second) again, after close(first) with linger {1,0}",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             by_api(fails_with(Errc::connection_reset), reads_eof()));
}
