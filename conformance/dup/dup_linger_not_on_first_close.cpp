// SPDX-License-Identifier: MIT
// SO_LINGER acts on the close of the last handle only (catalogue #15; gVisor
// CloseWithLingerOption; WSADuplicateSocket C2: closesocket of one descriptor does not
// close the socket). With lingering on, unsent data queued and a peer that is not
// reading, closing one of two handles returns at once, and the data still arrives.
#include "closesem_testing/fixtures.hpp"


#include <chrono>

using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("dup: with SO_LINGER on, closing one of two handles does not linger", "[dup][C2]") {
  constexpr int kLingerSeconds = 3;
  const auto kind = GENERATE(from_range(tcp_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  platform::Socket copy;
  REQUIRE_THAT(observe("duplicate(first)", platform::duplicate(pair.first.get(), copy)), succeeds());
  REQUIRE_THAT(observe("setsockopt(first, SO_LINGER {1, 3})",
                       platform::set_linger(pair.first.get(), platform::Linger{true, kLingerSeconds})),
               succeeds());
  // Unsent data that a lingering close would wait for: the peer reads nothing yet.
  const auto queued = fill_send_buffer(pair.first.get());

  const auto before = std::chrono::steady_clock::now();
  CHECK_THAT(observe("close(first) with SO_LINGER on and unsent data, duplicate open", pair.first.close()),
             succeeds());
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - before);
  INFO("close(first) took " << took.count() << " ms; the linger timeout is " << kLingerSeconds << " s");
  CHECK(took < std::chrono::seconds(1));

  // The connection is intact: every queued byte arrives, in order.
  bool pattern_ok = false;
  CHECK_THAT(observe("recv(second) of everything queued before close(first)",
                     recv_pattern(pair.second.get(), queued, &pattern_ok)),
             succeeds_with(static_cast<std::int64_t>(queued)));
  CHECK(pattern_ok);
}
