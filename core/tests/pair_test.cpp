// SPDX-License-Identifier: MIT
// The loopback pair factory: every kind gives two connected ends (or a skip with a
// reason), reversal swaps them, and pairs keep coming, also from several threads.
#include "closesem_testing/fixtures.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using closesem::testing::observe;
using closesem::testing::succeeds;
using closesem::testing::succeeds_with;
namespace platform = closesem::platform;

namespace {

// Bytes go both ways between the two ends of a pair.
void check_connected(closesem::Pair& pair) {
  const char out[3] = {'a', 'b', 'c'};
  char in[8] = {};
  REQUIRE_THAT(observe("send(first, 3)", platform::send(pair.first.get(), out, 3)), succeeds_with(3));
  REQUIRE_THAT(observe("wait readable(second)",
                       platform::wait(pair.second.get(), platform::WaitFor::readable,
                                      closesem::testing::positive_timeout())),
               succeeds_with(1));
  REQUIRE_THAT(observe("recv(second)", platform::recv(pair.second.get(), in, sizeof(in))),
               succeeds_with(3));
  CHECK(std::string(in, 3) == "abc");
  REQUIRE_THAT(observe("send(second, 1)", platform::send(pair.second.get(), "z", 1)), succeeds_with(1));
  REQUIRE_THAT(observe("wait readable(first)",
                       platform::wait(pair.first.get(), platform::WaitFor::readable,
                                      closesem::testing::positive_timeout())),
               succeeds_with(1));
  REQUIRE_THAT(observe("recv(first)", platform::recv(pair.first.get(), in, sizeof(in))), succeeds_with(1));
}

}  // namespace

TEST_CASE("pair: every kind gives two connected ends, or a skip with its reason", "[unit][pair]") {
  const auto kind = GENERATE(from_range(closesem::pair_kinds(true)));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  REQUIRE(pair.first.valid());
  REQUIRE(pair.second.valid());
  check_connected(pair);
}

TEST_CASE("pair: a reversed pair puts the accepted end first", "[unit][pair]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::tcp6);
  CAPTURE(platform::to_string(transport));
  CLOSESEM_PAIR_OR_SKIP(straight, (closesem::PairKind{transport, false}));
  CLOSESEM_PAIR_OR_SKIP(reversed, (closesem::PairKind{transport, true}));
  platform::Endpoint listener_side;
  platform::Endpoint client_side;
  // The accepted end's local port is the listener's port; the client's is ephemeral.
  REQUIRE_THAT(observe("getsockname(straight.second)",
                       platform::local_endpoint(straight.second.get(), listener_side)),
               succeeds());
  REQUIRE_THAT(observe("getsockname(reversed.first)",
                       platform::local_endpoint(reversed.first.get(), client_side)),
               succeeds());
  CHECK(listener_side.port != 0);
  CHECK(client_side.port == listener_side.port);
}

TEST_CASE("pair: five hundred pairs in a row all connect", "[unit][pair]") {
  for (int i = 0; i < 500; ++i) {
    auto made = closesem::make_pair({platform::Transport::tcp4, i % 2 == 1});
    INFO("pair " << i << ": " << made.message);
    REQUIRE(made.status == closesem::PairStatus::ok);
  }
}

TEST_CASE("pair: four threads make pairs at once", "[unit][pair]") {
  std::atomic<int> failures{0};
  std::vector<std::string> messages(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures, &messages] {
      for (int i = 0; i < 50; ++i) {
        auto made = closesem::make_pair({platform::Transport::tcp4, (i + t) % 2 == 0});
        if (made.status != closesem::PairStatus::ok) {
          failures.fetch_add(1);
          messages[static_cast<std::size_t>(t)] = made.message;
          return;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::string why;
  for (const auto& message : messages)
    if (!message.empty()) why += message + "\n";
  INFO(why);
  CHECK(failures.load() == 0);
}

TEST_CASE("fixtures: a full send buffer ends in would_block and the peer drains it intact", "[unit][pair]") {
  const auto kind = GENERATE(from_range(closesem::pair_kinds(false)));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto queued = closesem::testing::fill_send_buffer(pair.first.get());
  CHECK(queued > 0);
  bool intact = false;
  CHECK_THAT(observe("recv everything queued",
                     closesem::testing::recv_pattern(pair.second.get(), queued, &intact)),
             succeeds_with(static_cast<std::int64_t>(queued)));
  CHECK(intact);
}
