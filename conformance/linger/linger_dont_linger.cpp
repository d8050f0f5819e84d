// SPDX-License-Identifier: MIT
// SO_DONTLINGER (Winsock only; linger L3, setsockopt): setting it is "equivalent to
// setting SO_LINGER with l_onoff set to zero"; clearing it turns lingering on with an
// implementation-dependent time, and a timeout set earlier through SO_LINGER "should
// be reinstated" (closesocket). Wine always sets l_linger to 0 there (contract §2.5).
#include "closesem_testing/fixtures.hpp"

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("linger: setting SO_DONTLINGER turns lingering off", "[linger][L3][L4]") {
  if (platform::api() != platform::Api::winsock) CLOSESEM_SKIP("POSIX has no SO_DONTLINGER (contract L3)");
  platform::Socket socket;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, socket)), succeeds());
  REQUIRE_THAT(observe("setsockopt(SO_LINGER, {1,7})", platform::set_linger(socket.get(), {true, 7})), succeeds());
  CHECK_THAT(observe("setsockopt(SO_DONTLINGER, TRUE)", platform::set_dont_linger(socket.get(), true)), succeeds());
  platform::Linger value{true, -1};
  REQUIRE_THAT(observe("getsockopt(SO_LINGER)", platform::get_linger(socket.get(), value)), succeeds());
  CHECK_FALSE(value.on);
}

TEST_CASE("linger: clearing SO_DONTLINGER turns lingering on and reinstates the earlier timeout",
          "[linger][L3][L4]") {
  if (platform::api() != platform::Api::winsock) CLOSESEM_SKIP("POSIX has no SO_DONTLINGER (contract L3)");
  platform::Socket socket;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, socket)), succeeds());
  REQUIRE_THAT(observe("setsockopt(SO_LINGER, {1,7})", platform::set_linger(socket.get(), {true, 7})), succeeds());
  REQUIRE_THAT(observe("setsockopt(SO_DONTLINGER, TRUE)", platform::set_dont_linger(socket.get(), true)), succeeds());
  CHECK_THAT(observe("setsockopt(SO_DONTLINGER, FALSE)", platform::set_dont_linger(socket.get(), false)), succeeds());
  platform::Linger value{false, -1};
  REQUIRE_THAT(observe("getsockopt(SO_LINGER)", platform::get_linger(socket.get(), value)), succeeds());
  CHECK(value.on);
  // The l_linger read back, as an outcome so a platform's value shows in the report:
  // the documented "reinstated" timeout is 7.
  platform::CallResult seconds;
  seconds.ret = value.seconds;
  CHECK_THAT(observe("l_linger after SO_DONTLINGER FALSE", seconds), succeeds_with(7));
}
