// SPDX-License-Identifier: MIT
// A WSACleanup without a matching WSAStartup fails with SOCKET_ERROR and
// WSANOTINITIALISED (WSACleanup C1; Wine test_WithWSAStartup, wine:1004-1103).
#include "closesem_testing/fixtures.hpp"

#include "session_balance.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("lifecycle: a cleanup without a matching startup fails with not_initialised", "[lifecycle][C1]") {
  if (platform::api() != platform::Api::winsock) CLOSESEM_SKIP("POSIX has no socket library lifecycle (contract §4 #3)");
  SessionBalance session;
  REQUIRE_THAT(observe("cleanup() of main's session, the last one", session.cleanup()), succeeds());
  CHECK_THAT(observe("cleanup() again, with no session left", session.cleanup()), fails_with(Errc::not_initialised));
}
