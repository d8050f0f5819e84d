// SPDX-License-Identifier: MIT
// After the last WSACleanup, socket calls fail with WSANOTINITIALISED until the next
// WSAStartup (Wine test_WithoutWSAStartup, wine:989; closesocket D2 lists it; WSACleanup
// C1). The test binary's main() holds the one session the test ends.
#include "closesem_testing/fixtures.hpp"

#include "session_balance.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("lifecycle: after the last cleanup, socket calls fail with not_initialised", "[lifecycle][C1][D2][E2]") {
  if (platform::api() != platform::Api::winsock) CLOSESEM_SKIP("POSIX has no socket library lifecycle (contract §4 #3)");
  SessionBalance session;
  REQUIRE_THAT(observe("cleanup() of main's session, the last one", session.cleanup()), succeeds());

  platform::Socket socket;
  CHECK_THAT(observe("socket(tcp4) after the last cleanup", platform::open_stream(platform::Transport::tcp4, socket)),
             fails_with(Errc::not_initialised));
  CHECK_THAT(observe("close(invalid handle) after the last cleanup", platform::close_handle(platform::kInvalidHandle)),
             fails_with(Errc::not_initialised));
}
