// SPDX-License-Identifier: MIT
// Closing one of two handles to a socket frees that handle only: the connection carries
// data both ways through the other (WSADuplicateSocket C2: "the underlying socket stays
// open until the last descriptor is closed"; close.2 and contract §4 #30 for dup;
// catalogue #15).
#include "closesem_testing/fixtures.hpp"

#include <string>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("dup: closing one handle leaves the connection working through the other", "[dup][C2]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  platform::Socket copy;
  REQUIRE_THAT(observe("duplicate(first)", platform::duplicate(pair.first.get(), copy)), succeeds());
  CHECK_THAT(observe("close(first) while its duplicate is open", pair.first.close()), succeeds());

  CHECK_THAT(observe("send(duplicate, 5) after close(first)", platform::send(copy.get(), "hello", 5)),
             succeeds_with(5));
  char buffer[8] = {};
  CHECK_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(second) of what the duplicate sent", platform::recv(pair.second.get(), buffer, 5)),
             succeeds_with(5));
  CHECK(std::string(buffer, 5) == "hello");

  CHECK_THAT(observe("send(second, 4) to the duplicate", platform::send(pair.second.get(), "back", 4)),
             succeeds_with(4));
  CHECK_THAT(wait_for("duplicate", copy.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(duplicate) after close(first)", platform::recv(copy.get(), buffer, 4)), succeeds_with(4));
  CHECK(std::string(buffer, 4) == "back");
}
