// SPDX-License-Identifier: MIT
// A default (graceful) close returns 0 (closesocket D1, close.2), and the peer reads
// the data sent before it, then end of stream (recv R1).
#include "closesem_testing/fixtures.hpp"

#include <string>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("close: a graceful close returns 0 and the peer reads the data, then end of stream",
          "[close][D1][D9][R1][R9]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  REQUIRE_THAT(observe("send(first, 5)", platform::send(pair.first.get(), "hello", 5)), succeeds_with(5));
  CHECK_THAT(observe("close(first)", pair.first.close()), succeeds());

  // Wait for the data (and the FIN behind it), then read both.
  REQUIRE_THAT(observe("wait readable(second)",
                       platform::wait(pair.second.get(), platform::WaitFor::readable, positive_timeout())),
               succeeds_with(1));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(second)", platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             succeeds_with(5));
  CHECK(std::string(buffer, 5) == "hello");
  REQUIRE_THAT(observe("wait readable(second) for end of stream",
                       platform::wait(pair.second.get(), platform::WaitFor::readable, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("recv(second) after the peer closed", platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             reads_eof());
}
