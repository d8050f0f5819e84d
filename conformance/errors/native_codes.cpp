// SPDX-License-Identifier: MIT
// Failures carry the API's own numbers: Winsock's WSA codes (10000 + the BSD value on
// the old table, different from errno: errno-page E3), errno on POSIX.
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("errors: a failed call reports the API's own native code", "[errors][E3]") {
  platform::Socket unconnected;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, unconnected)),
               succeeds());
  char byte = 0;
  const auto outcome = platform::recv(unconnected.get(), &byte, 1);
  REQUIRE_THAT(observe("recv(unconnected)", outcome), fails_with(Errc::not_connected));
  // WSAENOTCONN is 10057; Linux ENOTCONN is 107.
  CHECK(outcome.native == by_api(10057, 107));
  CHECK(platform::native_error_name(outcome.native) == by_api<std::string>("WSAENOTCONN", "ENOTCONN"));
}
