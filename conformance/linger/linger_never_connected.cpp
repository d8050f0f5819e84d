// SPDX-License-Identifier: MIT
// SO_LINGER {1,N} on a socket that never connected: there is nothing to send, so close
// returns 0 at once instead of waiting N seconds (gVisor CloseNonConnectedLingerOption,
// packetimpact TestTCPLingerNonEstablished; Windows [?] in the catalogue: the linger
// table waits only "until all data is sent", contract §1.2; D1). Catalogue #14.
#include "closesem_testing/fixtures.hpp"

#include <chrono>
#include <string>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("linger: close with a linger timeout on a never-connected socket returns 0 at once", "[linger][D1]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::tcp6);
  const bool nonblocking = GENERATE(false, true);
  CAPTURE(to_string(transport), nonblocking);
  set_variant(std::string(to_string(transport)) + (nonblocking ? " non-blocking" : ""));
  std::string why_not;
  if (!platform::transport_available(transport, &why_not)) CLOSESEM_SKIP(why_not);

  platform::Socket socket;
  REQUIRE_THAT(observe("socket()", platform::open_stream(transport, socket)), succeeds());
  REQUIRE_THAT(observe("setsockopt(SO_LINGER, {1,10})", platform::set_linger(socket.get(), {true, 10})), succeeds());
  REQUIRE_THAT(observe("set non-blocking", platform::set_nonblocking(socket.get(), nonblocking)), succeeds());
  const auto started = std::chrono::steady_clock::now();
  CHECK_THAT(observe("close() with linger {1,10} on a never-connected socket", socket.close()), succeeds());
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  INFO("close() took " << took.count() << " ms");
  CHECK(took < platform::scaled(std::chrono::milliseconds(1000)));
}
