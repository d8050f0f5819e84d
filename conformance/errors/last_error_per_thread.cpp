// SPDX-License-Identifier: MIT
// The last-error slot is per thread (WSAGetLastError E1; errno.3): a failure on one
// thread does not show on another. A success leaves the slot as the sentinel or 0
// (E1: Windows 7 and later reset it to 0; POSIX never writes errno on success).
#include "closesem_testing/fixtures.hpp"

#include <thread>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("errors: a failure on one thread does not set the error slot of another", "[errors][E1]") {
  platform::Socket unconnected;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, unconnected)),
               succeeds());
  // This thread fails a call; the other thread, started after, succeeds one: its slot
  // must not show our error.
  char byte = 0;
  const auto failed = platform::recv(unconnected.get(), &byte, 1);
  REQUIRE_THAT(observe("recv(unconnected) on the main thread", failed), fails_with(Errc::not_connected));

  platform::CallResult other;
  std::thread worker([&other] {
    platform::Socket socket;
    other = platform::open_stream(platform::Transport::tcp4, socket);
  });
  worker.join();
  CHECK_THAT(observe("socket(tcp4) on another thread", other), succeeds());
  CHECK(other.native != failed.native);
  CHECK((other.native == platform::kErrorSentinel || other.native == 0));
}
