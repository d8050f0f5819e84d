// SPDX-License-Identifier: MIT
// Tests that fail on purpose, so that the ctest peer.none-left-behind can check that a
// failed test, and a test process that crashes, leave no peer process behind. Hidden
// (tag [.]): they run only when named. Each writes its peer's process id to the file
// named by CLOSESEM_PEER_ID_FILE.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/peer.hpp"

#include <cstdlib>
#include <fstream>

using namespace closesem::testing;

namespace {

void record_peer_id(const Peer& peer) {
  const char* file = std::getenv("CLOSESEM_PEER_ID_FILE");
  REQUIRE(file != nullptr);
  std::ofstream(file) << peer.process_id() << '\n';
}

}  // namespace

TEST_CASE("peer: a test that fails with a peer running (fails on purpose)", "[.][peer-fails-on-purpose]") {
  auto peer = Peer::listen("never-read", {"--timeout", "600"});
  record_peer_id(peer);
  FAIL("failing on purpose with peer " << peer.process_id() << " running");
}

TEST_CASE("peer: a test process that crashes with a peer running (crashes on purpose)",
          "[.][peer-crashes-on-purpose]") {
  auto peer = Peer::listen("never-read", {"--timeout", "600"});
  record_peer_id(peer);
  std::abort();
}
