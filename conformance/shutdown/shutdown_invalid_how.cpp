// SPDX-License-Identifier: MIT
// shutdown with a `how` other than receive/send/both fails with "invalid argument":
// Winsock WSAEINVAL (shutdown S2), POSIX EINVAL (shutdown.2; contract §4 #15).
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: an invalid how fails with invalid argument", "[shutdown][S2][S3]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  const int how = GENERATE(3, 7, -1);
  CAPTURE(kind.description(), how);
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  CHECK_THAT(observe("shutdown(first, " + std::to_string(how) + ")",
                     platform::shutdown_raw(pair.first.get(), how)),
             fails_with(Errc::invalid_argument));
  // The failed call changed nothing: the connection still carries data both ways.
  CHECK_THAT(observe("send(first, 1) after the failed shutdown", platform::send(pair.first.get(), "x", 1)),
             succeeds_with(1));
}
