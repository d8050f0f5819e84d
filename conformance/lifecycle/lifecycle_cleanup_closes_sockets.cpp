// SPDX-License-Identifier: MIT
// The last WSACleanup deallocates every socket still open "as if closesocket were
// called" (WSACleanup C1). After a new WSAStartup the old handles, duplicates included,
// are no longer sockets: send, getsockname and closesocket fail with WSAENOTSOCK (Wine
// test_WithWSAStartup, wine:1004-1103, asserted on Windows). No handle is made between
// the cleanup and the checks, so none of the old values can have been reused (D3).
// What the connection's peer sees is not checked here: both ends live in this process,
// and the cleanup closes both; that needs a peer in another process.
#include "closesem_testing/fixtures.hpp"

#include "session_balance.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("lifecycle: sockets open at the last cleanup are not sockets after the next startup",
          "[lifecycle][C1][D7]") {
  if (platform::api() != platform::Api::winsock) CLOSESEM_SKIP("POSIX has no socket library lifecycle (contract §4 #3)");
  SessionBalance session;
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  platform::Socket copy;
  REQUIRE_THAT(observe("duplicate(first)", platform::duplicate(pair.first.get(), copy)), succeeds());
  // The cleanup deallocates these: nothing may close their values again afterwards.
  const auto first = pair.first.release();
  const auto second = pair.second.release();
  const auto duplicate = copy.release();

  REQUIRE_THAT(observe("cleanup() of main's session with sockets open", session.cleanup()), succeeds());
  REQUIRE_THAT(observe("startup() after the last cleanup", session.startup()), succeeds());

  CHECK_THAT(observe("send(first, 1) after cleanup and startup", platform::send(first, "x", 1)),
             fails_with(Errc::not_socket));
  platform::Endpoint name;
  CHECK_THAT(observe("getsockname(second) after cleanup and startup", platform::local_endpoint(second, name)),
             fails_with(Errc::not_socket));
  CHECK_THAT(observe("send(duplicate, 1) after cleanup and startup", platform::send(duplicate, "x", 1)),
             fails_with(Errc::not_socket));
  CHECK_THAT(observe("close(first) after cleanup and startup", platform::close_handle(first)),
             fails_with(Errc::not_socket));
}
