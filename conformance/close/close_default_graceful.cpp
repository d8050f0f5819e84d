// SPDX-License-Identifier: MIT
// With SO_LINGER off (the default), close returns at once even while data is still
// queued for a peer that has not read it, and never fails with would-block; the data
// then goes out in the background and the peer reads all of it, then end of stream.
// Sources: closesocket linger table row 1 (contract §1.2), D9 (graceful), L2 (default
// off), R1; man socket.7 and contract §4 #7 for Linux. Catalogue #1.
#include "closesem_testing/fixtures.hpp"

#include <chrono>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("close: a default close returns at once and the peer still reads all queued data, then end of stream",
          "[close][D1][D9][L2][R1]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  // The peer does not read yet, so the data cannot all have left when close is called.
  const auto queued = fill_send_buffer(pair.first.get());
  CAPTURE(queued);

  const auto started = std::chrono::steady_clock::now();
  CHECK_THAT(observe("close(first) with data the peer has not read", pair.first.close()), succeeds());
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  INFO("close(first) with " << queued << " bytes queued took " << took.count() << " ms");
  // "Returns at once": far below any linger timeout; generous for slow (Wine) runs.
  CHECK(took < platform::scaled(std::chrono::milliseconds(1000)));

  bool pattern_ok = false;
  CHECK_THAT(observe("recv(second) of everything queued before close(first)",
                     recv_pattern(pair.second.get(), queued, &pattern_ok)),
             succeeds_with(static_cast<std::int64_t>(queued)));
  CHECK(pattern_ok);
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  char byte = 0;
  CHECK_THAT(observe("recv(second) after the data, once the peer closed", platform::recv(pair.second.get(), &byte, 1)),
             reads_eof());
}
