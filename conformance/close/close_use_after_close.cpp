// SPDX-License-Identifier: MIT
// Using a handle after close. The handle "may immediately be reused by the system"
// (closesocket D3; close.2 and contract §4 #5: Linux reuses the lowest free fd), so a
// later call is only sure to fail with not-a-socket (D2: WSAENOTSOCK; POSIX EBADF,
// contract §4 #2) while nothing has been created since the close, on one thread
// (contract §5 rule 2). Once a new socket has been opened, the old value either fails
// the same way or now names the new socket, and the call acts on that one.
// Catalogue #43.
#include "closesem_testing/fixtures.hpp"

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("close: send, recv and shutdown on a closed handle fail with not-a-socket while nothing new was created",
          "[close][D2][D3]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  const auto handle = pair.first.release();
  REQUIRE_THAT(observe("close(first)", platform::close_handle(handle)), succeeds());
  // Nothing is created between here and the checks, on this one thread.
  const auto not_a_socket = by_api(Errc::not_socket, Errc::bad_handle);
  CHECK_THAT(observe("send(first, 1) after close(first)", platform::send(handle, "x", 1)), fails_with(not_a_socket));
  char byte = 0;
  CHECK_THAT(observe("recv(first) after close(first)", platform::recv(handle, &byte, 1)), fails_with(not_a_socket));
  CHECK_THAT(observe("shutdown(first, both) after close(first)", platform::shutdown(handle, platform::ShutdownHow::both)),
             fails_with(not_a_socket));
}

TEST_CASE("close: a closed handle either fails with not-a-socket or acts on the new socket that reused it",
          "[close][D2][D3]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  platform::Endpoint old_local;
  REQUIRE_THAT(observe("getsockname(first)", platform::local_endpoint(pair.first.get(), old_local)), succeeds());
  const auto handle = pair.first.release();
  REQUIRE_THAT(observe("close(first)", platform::close_handle(handle)), succeeds());

  // A new socket right after the close, bound so that it has an address of its own.
  platform::Socket fresh;
  REQUIRE_THAT(observe("socket() after close(first)", platform::open_stream(kind.transport, fresh)), succeeds());
  REQUIRE_THAT(observe("bind(new socket)", platform::bind_loopback(fresh.get(), kind.transport)), succeeds());
  platform::Endpoint fresh_local;
  REQUIRE_THAT(observe("getsockname(new socket)", platform::local_endpoint(fresh.get(), fresh_local)), succeeds());

  if (fresh.get() == handle) {
    WARN("handle " << handle << " of the closed first was reused by the new socket: the old value now names it");
    platform::Endpoint via_old;
    CHECK_THAT(observe("getsockname(first) after close(first) reused by a new socket",
                       platform::local_endpoint(handle, via_old)),
               succeeds());
    CHECK(via_old.describe() == fresh_local.describe());
    CHECK(via_old.describe() != old_local.describe());
    // The new socket is bound but not connected, unlike the closed first.
    platform::Endpoint peer;
    CHECK_THAT(observe("getpeername(first) after close(first) reused by a new socket",
                       platform::peer_endpoint(handle, peer)),
               fails_with(Errc::not_connected));
  } else {
    WARN("handle " << handle << " of the closed first was not reused (the new socket got " << fresh.get() << ")");
    platform::Endpoint via_old;
    CHECK_THAT(observe("getsockname(first) after close(first), not reused",
                       platform::local_endpoint(handle, via_old)),
               fails_with(by_api(Errc::not_socket, Errc::bad_handle)));
    CHECK_THAT(observe("shutdown(first, both) after close(first), not reused",
                       platform::shutdown(handle, platform::ShutdownHow::both)),
               fails_with(by_api(Errc::not_socket, Errc::bad_handle)));
  }
}
