// SPDX-License-Identifier: MIT
// Only the last of several matched WSAStartup/WSACleanup calls cleans up (WSACleanup
// C1; Wine test_WithWSAStartup, wine:1004-1103): a startup and cleanup nested in main's
// session leave open sockets working, and new sockets can be made.
#include "closesem_testing/fixtures.hpp"

#include "session_balance.hpp"

#include <string>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("lifecycle: a nested startup and cleanup leave open sockets usable", "[lifecycle][C1]") {
  if (platform::api() != platform::Api::winsock) CLOSESEM_SKIP("POSIX has no socket library lifecycle (contract §4 #3)");
  SessionBalance session;
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  REQUIRE_THAT(observe("startup() inside main's session", session.startup()), succeeds());
  CHECK_THAT(observe("cleanup() of the nested session", session.cleanup()), succeeds());

  CHECK_THAT(observe("send(first, 5) after the nested cleanup", platform::send(pair.first.get(), "hello", 5)),
             succeeds_with(5));
  CHECK_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  char buffer[8] = {};
  CHECK_THAT(observe("recv(second) after the nested cleanup", platform::recv(pair.second.get(), buffer, 5)),
             succeeds_with(5));
  CHECK(std::string(buffer, 5) == "hello");
  platform::Socket fresh;
  CHECK_THAT(observe("socket(tcp4) after the nested cleanup", platform::open_stream(platform::Transport::tcp4, fresh)),
             succeeds());
}
