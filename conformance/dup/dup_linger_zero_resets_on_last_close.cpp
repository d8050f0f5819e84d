// SPDX-License-Identifier: MIT
// With SO_LINGER {1, 0}, the abortive close happens when the last handle closes, not
// before: closing one of two handles leaves the connection carrying data, and closing
// the last one resets it (WSADuplicateSocket C2; closesocket linger table: l_onoff≠0,
// l_linger=0 is a hard close and the peer's recv fails WSAECONNRESET, recv R2;
// contract §4 #8 and #30 for Linux; catalogue #15 and #10).
#include "closesem_testing/fixtures.hpp"


#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("dup: with SO_LINGER {1, 0}, only the last handle's close resets the connection",
          "[dup][C2][R2]") {
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  platform::Socket copy;
  REQUIRE_THAT(observe("duplicate(first)", platform::duplicate(pair.first.get(), copy)), succeeds());
  REQUIRE_THAT(observe("setsockopt(first, SO_LINGER {1, 0})",
                       platform::set_linger(pair.first.get(), platform::Linger{true, 0})),
               succeeds());
  CHECK_THAT(observe("close(first) with SO_LINGER {1, 0}, duplicate open", pair.first.close()), succeeds());

  // No reset yet: data still flows from the duplicate.
  CHECK_THAT(observe("send(duplicate, 5) after close(first)", platform::send(copy.get(), "hello", 5)),
             succeeds_with(5));
  char buffer[8] = {};
  CHECK_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(second) after close(first)", platform::recv(pair.second.get(), buffer, 5)),
             succeeds_with(5));
  CHECK(std::string(buffer, 5) == "hello");

  CHECK_THAT(observe("close(duplicate), the last handle, with SO_LINGER {1, 0}", copy.close()), succeeds());
  CHECK_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  CHECK_THAT(observe("recv(second) after the last handle closed", platform::recv(pair.second.get(), buffer, 1)),
             fails_with(Errc::connection_reset));
}
