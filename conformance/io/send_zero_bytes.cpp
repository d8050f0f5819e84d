// SPDX-License-Identifier: MIT
// send with a length of 0 is allowed and returns 0 (send R8; send.2), and sends
// nothing: the peer stays not readable.
#include "closesem_testing/fixtures.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("io: send of zero bytes returns 0 and the peer receives nothing", "[io][R8]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  CHECK_THAT(observe("send(first, 0)", platform::send(pair.first.get(), "", 0)), succeeds_with(0));
  // Nothing to read: a short bounded wait times out.
  CHECK_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable, quiet_timeout()),
             succeeds_with(0));
  CHECK_THAT(observe("bytes pending(second)", platform::bytes_pending(pair.second.get())), succeeds_with(0));
}
