// SPDX-License-Identifier: MIT
// TCP_LINGER2, the lifetime of an orphaned socket in FIN_WAIT2 after close (catalogue #19;
// gVisor TCPLingerTimeout*). Linux, tcp(7) and net/ipv4/tcp.c: a fresh socket reads the
// sysctl tcp_fin_timeout; 0 means "the default" and reads it back; a negative value
// reads -1 (no FIN_WAIT2 timer); values above TCP_FIN_TIMEOUT_MAX (120 s) are capped to
// it. Winsock has no such option (WSAENOPROTOOPT), so the test is skipped there.
#include "closesem_testing/fixtures.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("linger: TCP_LINGER2 reads the system default, caps large values and keeps -1", "[linger]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::tcp6);
  CLOSESEM_TRANSPORT_OR_SKIP(transport, "");
  platform::Socket socket;
  REQUIRE_THAT(observe("socket()", platform::open_stream(transport, socket)), succeeds());
  const auto handle = socket.get();

  int fallback = 0;
  const auto first = platform::get_tcp_linger2(handle, fallback);
  if (!first.ok() && first.errc == Errc::no_protocol_option)
    CLOSESEM_SKIP("no TCP_LINGER2 on " + std::string(platform::to_string(platform::api())) + ": " + first.describe());
  REQUIRE_THAT(observe("getsockopt(TCP_LINGER2) of a fresh socket", first), succeeds());
  INFO("default FIN_WAIT2 lifetime: " << fallback << " s");
  CHECK(fallback > 0);

  const auto set_then_get = [handle](int value) {
    const std::string name = "TCP_LINGER2 = " + std::to_string(value);
    REQUIRE_THAT(observe("setsockopt(" + name + ")", platform::set_tcp_linger2(handle, value)), succeeds());
    int read_back = 12345;
    REQUIRE_THAT(observe("getsockopt(TCP_LINGER2) after " + name, platform::get_tcp_linger2(handle, read_back)),
                 succeeds());
    return read_back;
  };
  CHECK(set_then_get(30) == 30);
  CHECK(set_then_get(0) == fallback);
  CHECK(set_then_get(-1) == -1);
  CHECK(set_then_get(-7) == -1);
  CHECK(set_then_get(100000) == 120);
  CHECK(set_then_get(120) == 120);
}
