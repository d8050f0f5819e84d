// SPDX-License-Identifier: MIT
// With two handles to one socket, the peer sees end of stream only when the last handle
// is closed (WSADuplicateSocket C2; close.2 "the last file descriptor referring to the
// underlying open file description"; contract §4 #30; catalogue #15), and then reads 0
// (recv R1).
#include "closesem_testing/fixtures.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("dup: the peer sees end of stream only when the last handle is closed", "[dup][C2][D9][R1]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  platform::Socket copy;
  REQUIRE_THAT(observe("duplicate(first)", platform::duplicate(pair.first.get(), copy)), succeeds());
  CHECK_THAT(observe("close(first) while its duplicate is open", pair.first.close()), succeeds());

  // Nothing reaches the peer: no FIN, no reset (a FIN crosses loopback in microseconds).
  platform::Events seen;
  CHECK_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable,
                      platform::scaled(std::chrono::milliseconds(200)), &seen),
             succeeds_with(0));
  INFO("second saw: " << seen.describe());

  CHECK_THAT(observe("close(duplicate), the last handle", copy.close()), succeeds());
  CHECK_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  char byte = 0;
  CHECK_THAT(observe("recv(second) after the last handle closed", platform::recv(pair.second.get(), &byte, 1)),
             reads_eof());
}
