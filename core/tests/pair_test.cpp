// SPDX-License-Identifier: MIT
// The loopback pair factory: every kind gives two connected ends (or a skip with a
// reason), reversal swaps them, and pairs keep coming, also from several threads.
#include "closesem_testing/fixtures.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#if !defined(_WIN32)
#include <pthread.h>
#include <signal.h>
#endif

using closesem::testing::fails_with;
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

TEST_CASE("pair: with a patience the client keeps it as its send timeout and the accepted end as its receive "
          "timeout, and without one neither end has a timeout",
          "[unit][pair]") {
  const auto kind = GENERATE(from_range(closesem::pair_kinds(true)));
  CAPTURE(kind.description());
  const std::chrono::milliseconds keep{700};
  auto made = closesem::make_pair(kind, keep);
  if (made.status == closesem::PairStatus::unavailable) CLOSESEM_SKIP(made.message);
  INFO(made.message);
  REQUIRE(made.status == closesem::PairStatus::ok);
  auto& client = kind.reversed ? made.pair.second : made.pair.first;
  auto& server = kind.reversed ? made.pair.first : made.pair.second;
  const auto timeout_of = [](const platform::Socket& socket, platform::TimeoutOf which) {
    std::chrono::milliseconds value{-1};
    REQUIRE_THAT(observe("io_timeout", platform::io_timeout(socket.get(), which, value)), succeeds());
    return value;
  };
  CHECK(timeout_of(client, platform::TimeoutOf::send) == keep);
  CHECK(timeout_of(client, platform::TimeoutOf::receive) == std::chrono::milliseconds(0));
  CHECK(timeout_of(server, platform::TimeoutOf::send) == std::chrono::milliseconds(0));
  CHECK(timeout_of(server, platform::TimeoutOf::receive) == keep);
  check_connected(made.pair);
  auto plain = closesem::make_pair(kind);  // (not the fixture's: it sets a watchdog)
  INFO(plain.message);
  REQUIRE(plain.status == closesem::PairStatus::ok);
  for (const auto* end : {&plain.pair.first, &plain.pair.second})
    for (const auto which : {platform::TimeoutOf::send, platform::TimeoutOf::receive})
      CHECK(timeout_of(*end, which) == std::chrono::milliseconds(0));
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

namespace {

// A listener of its own on loopback (not the factory's), with the given backlog.
platform::Endpoint listen_on(platform::Transport transport, int backlog, platform::Socket& listener) {
  platform::Endpoint at;
  REQUIRE_THAT(observe("socket", platform::open_stream(transport, listener)), succeeds());
  REQUIRE_THAT(observe("bind", platform::bind_loopback(listener.get(), transport)), succeeds());
  REQUIRE_THAT(observe("listen", platform::listen(listener.get(), backlog)), succeeds());
  REQUIRE_THAT(observe("getsockname", platform::local_endpoint(listener.get(), at)), succeeds());
  return at;
}

}  // namespace

TEST_CASE("connect_within and accept_within: a connected socket says so at the next connect, and its peer is "
          "accepted under the listener's timeout, which ends an accept on an empty queue",
          "[unit][pair]") {
  const auto transport = GENERATE(from_range(closesem::pair_kinds(false))).transport;
  CLOSESEM_TRANSPORT_OR_SKIP(transport, "");
  platform::Socket listener;
  const auto at = listen_on(transport, 8, listener);
  const auto bound = platform::scaled(std::chrono::milliseconds(100));
  REQUIRE_THAT(observe("set_io_timeout(listener)", platform::set_io_timeout(listener.get(), bound)), succeeds());
  platform::Socket nothing;
  CHECK_THAT(observe("accept_within (empty queue)", platform::accept_within(listener.get(), bound, nothing)),
             fails_with(closesem::Errc::would_block));
  CHECK_FALSE(nothing.valid());
  platform::Socket client;
  REQUIRE_THAT(observe("socket", platform::open_stream(transport, client)), succeeds());
  std::string step;
  CHECK_THAT(observe("connect_within", platform::connect_within(client.get(), at, closesem::testing::positive_timeout(), step)),
             succeeds());
  CHECK(step.empty());
  // Linux's one "connected" answer of a non-blocking connect is not left for the script.
  CHECK_THAT(observe("connect again", platform::connect(client.get(), at)), fails_with(closesem::Errc::is_connected));
  platform::Socket accepted;
  platform::Endpoint peer;
  CHECK_THAT(observe("accept_within", platform::accept_within(listener.get(), bound, accepted, &peer)), succeeds());
  CHECK(accepted.valid());
  if (transport != platform::Transport::unix_stream) {  // (an AF_UNIX client has no name)
    platform::Endpoint mine;
    REQUIRE_THAT(observe("local_endpoint(client)", platform::local_endpoint(client.get(), mine)), succeeds());
    CHECK(peer.port == mine.port);
  }
}

TEST_CASE("connect_within: a listener whose queue is full makes it fail within its bound, naming the step",
          "[unit][pair]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::unix_stream);
  CLOSESEM_TRANSPORT_OR_SKIP(transport, "");
  platform::Socket listener;
  const auto at = listen_on(transport, 0, listener);  // nothing is ever accepted
  const auto bound = platform::scaled(std::chrono::milliseconds(300));
  std::vector<platform::Socket> clients;
  for (int i = 0; i < 16; ++i) {
    clients.emplace_back();
    REQUIRE_THAT(observe("socket", platform::open_stream(transport, clients.back())), succeeds());
    std::string step;
    const auto outcome = platform::connect_within(clients.back().get(), at, bound, step);
    if (outcome.ok()) continue;
    INFO("connect " << i << " failed at: " << step);
    CHECK(step.find("connect") != std::string::npos);
    // Linux: EINPROGRESS (TCP) or EAGAIN (AF_UNIX) when the send timeout ran out; Winsock:
    // the wait ran out (timed_out), or the stack refused the connection.
    const auto errc = outcome.errc;
    CHECK((errc == closesem::Errc::in_progress || errc == closesem::Errc::would_block ||
           errc == closesem::Errc::timed_out || errc == closesem::Errc::connection_refused));
    return;
  }
  CLOSESEM_SKIP("the listener's queue took 16 connections with a backlog of 0");
}

#if !defined(_WIN32)
namespace {
void interrupt_only(int) {}
}  // namespace

// Under a send timeout a signal (or io_uring's task work) interrupts a waiting connect
// with EINTR instead of restarting it: connect_within waits on for what is left of its
// bound (found by fuzz_close_sequences: a pair's connect failed EINTR).
TEST_CASE("connect_within: signals while it waits do not end it before its bound", "[unit][pair][posix]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::unix_stream);
  CLOSESEM_TRANSPORT_OR_SKIP(transport, "");
  platform::Socket listener;
  const auto at = listen_on(transport, 0, listener);  // nothing is ever accepted
  // Fill the listener's queue: connects until one runs out of its (short) bound.
  std::vector<platform::Socket> clients;
  bool full = false;
  for (int i = 0; i < 16 && !full; ++i) {
    clients.emplace_back();
    REQUIRE_THAT(observe("socket", platform::open_stream(transport, clients.back())), succeeds());
    std::string step;
    full = !platform::connect_within(clients.back().get(), at, platform::scaled(std::chrono::milliseconds(100)), step).ok();
  }
  if (!full) CLOSESEM_SKIP("the listener's queue took 16 connections with a backlog of 0");
  struct sigaction action {}, before {};
  action.sa_handler = interrupt_only;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART
  REQUIRE(::sigaction(SIGUSR1, &action, &before) == 0);
  platform::Socket client;
  REQUIRE_THAT(observe("socket", platform::open_stream(transport, client)), succeeds());
  const auto bound = platform::scaled(std::chrono::milliseconds(300));
  std::atomic<bool> returned{false};
  const pthread_t waiting = ::pthread_self();
  int sent = 0;
  std::thread signaller([&] {
    while (!returned.load()) {
      ::pthread_kill(waiting, SIGUSR1);
      ++sent;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // (a pace, not a settle)
    }
  });
  std::string step;
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = platform::connect_within(client.get(), at, bound, step);
  const auto took = std::chrono::steady_clock::now() - started;
  returned = true;
  signaller.join();
  ::sigaction(SIGUSR1, &before, nullptr);
  INFO("failed at: " << step << "; " << sent << " signals; took "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.errc != closesem::Errc::interrupted);
  CHECK((outcome.errc == closesem::Errc::in_progress || outcome.errc == closesem::Errc::already ||
         outcome.errc == closesem::Errc::would_block));
  CHECK(step.find("did not complete") != std::string::npos);
  CHECK(took >= bound - std::chrono::milliseconds(20));
}
#endif  // !_WIN32

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
